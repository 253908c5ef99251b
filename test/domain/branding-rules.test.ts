import { describe, expect, it } from 'vitest';
import { contrastRatio, readableTextOn, relativeLuminance } from '../../src/domain/branding/accent-color.js';
import { identifyImage } from '../../src/domain/branding/logo-image.js';
import { GIF_1X1, JPEG_24X12, SCRIPTED_SVG, solidPng } from '../helpers/images.js';

describe('readableTextOn (text colour on the accent)', () => {
  it('computes WCAG relative luminance and contrast as the specification does', () => {
    expect(relativeLuminance('#000000')).toBe(0);
    expect(relativeLuminance('#ffffff')).toBeCloseTo(1, 10);
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 10);
    // The well-known pair: #767676 is the lightest grey on white that passes AA (4.54:1), #777777 fails (4.48:1).
    expect(contrastRatio('#767676', '#FFFFFF')).toBeCloseTo(4.54, 2);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it.each([
    ['#ffffff', '#000000'],
    ['#ffcc00', '#000000'],
    ['#00ff00', '#000000'],
    ['#1f5fbf', '#ffffff'],
    ['#000000', '#ffffff'],
    ['#b3261e', '#ffffff'],
    // Mid grey: black gives 5.3:1, white only 3.95:1.
    ['#808080', '#000000'],
  ] as const)('puts %s under %s text', (accent, text) => {
    expect(readableTextOn(accent)).toBe(text);
  });

  it('reaches WCAG AA (4.5:1) for text on every accent colour (every 17th step of each channel)', () => {
    let weakest = 21;
    for (let r = 0; r <= 255; r += 17) {
      for (let g = 0; g <= 255; g += 17) {
        for (let b = 0; b <= 255; b += 17) {
          const accent = `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
          weakest = Math.min(weakest, contrastRatio(accent, readableTextOn(accent)));
        }
      }
    }
    expect(weakest).toBeGreaterThanOrEqual(4.5);
  });
});

describe('identifyImage (what an uploaded logo is, from its bytes)', () => {
  it('reads PNG and JPEG with their pixel size', () => {
    expect(identifyImage(solidPng(300, 80, [10, 20, 30]), 'application/octet-stream')).toEqual({ ok: true, contentType: 'image/png', width: 300, height: 80 });
    expect(identifyImage(JPEG_24X12, 'image/png')).toEqual({ ok: true, contentType: 'image/jpeg', width: 24, height: 12 });
  });

  it('names what it refuses: SVG (with the reason), GIF, a damaged PNG, and anything else by its declared type', () => {
    const svg = identifyImage(SCRIPTED_SVG, 'image/svg+xml');
    expect(svg).toEqual({ ok: false, found: 'an SVG image (SVG can carry scripts, so it is not accepted: export the logo as PNG)' });
    expect(identifyImage(GIF_1X1, 'image/gif')).toEqual({ ok: false, found: 'a GIF image' });
    expect(identifyImage(solidPng(2, 2, [0, 0, 0]).subarray(0, 12), 'image/png')).toEqual({ ok: false, found: 'a damaged PNG image (no image header)' });
    expect(identifyImage(Buffer.from('hello'), 'text/plain')).toEqual({ ok: false, found: 'not an image we recognise (sent as text/plain)' });
    // A declared type that is not a media type never reaches the message.
    expect(identifyImage(Buffer.from('hello'), 'text/plain"><script>')).toEqual({ ok: false, found: 'not an image we recognise' });
  });
});
