// One vector index build in a process of its own, so its peak RSS and CPU time are the
// build's alone (the kernel's high-water mark cannot be reset within a process).
// Usage: node bench/_index-build.mjs DB TYPE [SAMPLE_RATE|default]
// Prints one JSON line: the built shape, wall seconds, CPU seconds (all threads), peak RSS.
import { VariantStore } from "../dist/store/index.js";

const [db, type, rate] = process.argv.slice(2);
if (!db || !type) throw new Error("usage: node bench/_index-build.mjs DB TYPE [SAMPLE_RATE|default]");
const store = await VariantStore.connect(db);
const rssBeforeMb = Math.round(process.memoryUsage.rss() / 1048576);
const cpu0 = process.cpuUsage();
const built = await store.createVectorIndex({ type, replace: true, ...(rate === undefined || rate === "default" ? {} : { sampleRate: Number(rate) }) });
const cpu = process.cpuUsage(cpu0);
store.close();
console.log(
  JSON.stringify({
    ...built,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssBeforeMb,
    // ru_maxrss: the kernel's high-water mark, the same figure GNU time reports.
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
