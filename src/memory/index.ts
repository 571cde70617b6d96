/** The memory monitor: RSS/heap samples, a cleanup threshold and the hooks that free memory. */
export { MemoryMonitor } from "./monitor.js";
export type { MemorySnapshot, CleanupResult, CleanupReason, CleanupHook, MemoryMonitorStats, MemoryMonitorOptions } from "./types.js";
