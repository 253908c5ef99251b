// Preloaded into a measured server (`node --import bench/lib/memory-probe.mjs …`): samples
// process.memoryUsage() every 20 ms and, on SIGUSR2, writes the sample taken at the highest RSS
// (and the highest of each field) as JSON to MEMORY_PROBE_OUT. Plain JavaScript, so the compiled
// server can load it without tsx. It only reads; the timer does not keep the process alive.
import fs from 'node:fs';

const highest = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
let atHighestRss = process.memoryUsage();
const sample = () => {
  const now = process.memoryUsage();
  for (const key of Object.keys(highest)) highest[key] = Math.max(highest[key], now[key]);
  if (now.rss >= atHighestRss.rss) atHighestRss = now;
};
setInterval(sample, 20).unref();
process.on('SIGUSR2', () => {
  sample();
  fs.writeFileSync(process.env.MEMORY_PROBE_OUT, JSON.stringify({ atHighestRss, highest }));
});
