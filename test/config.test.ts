import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration from the environment', () => {
  it('has working defaults: embedded SQLite in ./data, port 8080 on loopback', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', publicUrl: 'http://127.0.0.1:8080', databaseUrl: undefined });
    expect(config.dataDir).toMatch(/\/data$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every documented key', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://sso.example.com/',
      DATA_DIR: '/var/lib/ssobridge',
      DATABASE_URL: 'postgres://u@db/ssobridge',
    });
    expect(config).toMatchObject({ port: 9000, host: '0.0.0.0', publicUrl: 'https://sso.example.com', dataDir: '/var/lib/ssobridge', databaseUrl: 'postgres://u@db/ssobridge' });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PUBLIC_URL', 'sso.example.com'],
    ['PUBLIC_URL', 'ftp://sso.example.com'],
    ['DATABASE_URL', 'mysql://db/x'],
    ['LOG_LEVEL', 'loud'],
    ['TRUST_PROXY', 'maybe'],
    ['TRUST_PROXY', 'true'],
  ])('stops the start naming %s when it is %j', (key, value) => {
    let error: unknown;
    try {
      loadConfig({ [key]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^${key}: `))]);
  });
});

describe('TRUST_PROXY', () => {
  it('refuses "true", which would let any client pick its address', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: .*number of proxies/);
  });

  it('takes a hop count or proxy addresses', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7' }).trustProxy).toEqual(['10.0.0.0/8', '192.0.2.7']);
    expect(loadConfig({}).trustProxy).toBe(false);
  });
});
