import { describe, expect, it, vi } from "vitest";
import { ConfigError } from "../src/errors.js";
import { MemoryMonitor, type MemoryMonitorOptions } from "../src/memory/monitor.js";

const MiB = 1024 * 1024;

/** A controllable memory source and clock, so thresholds are tested exactly. */
function fakeProcess(rssMb: number) {
  const state = { rssMb, now: 1_000_000 };
  const memoryUsage = (): NodeJS.MemoryUsage => ({
    rss: state.rssMb * MiB,
    heapUsed: 10 * MiB,
    heapTotal: 20 * MiB,
    external: 3 * MiB,
    arrayBuffers: 2 * MiB,
  });
  return { state, memoryUsage, now: () => state.now };
}

function monitor(rssMb: number, options: Partial<MemoryMonitorOptions> = {}) {
  const fake = fakeProcess(rssMb);
  const m = new MemoryMonitor({ thresholdMb: 100, gc: null, memoryUsage: fake.memoryUsage, now: fake.now, ...options });
  return { m, state: fake.state };
}

describe("MemoryMonitor", () => {
  it("samples process memory in MiB and tracks the peak", () => {
    const { m, state } = monitor(50);
    expect(m.sample()).toEqual({ rssMb: 50, heapUsedMb: 10, heapTotalMb: 20, externalMb: 3, arrayBuffersMb: 2, at: 1_000_000 });
    state.rssMb = 80;
    m.sample();
    state.rssMb = 60;
    m.sample();
    expect(m.peakRssMb).toBe(80);
    expect(m.stats().rssMb).toBe(60);
  });

  it("reads the real process when no source is injected", () => {
    const m = new MemoryMonitor({ thresholdMb: 1 });
    const s = m.sample();
    expect(s.rssMb).toBeGreaterThan(1);
    expect(s.heapUsedMb).toBeGreaterThan(0);
    expect(s.rssMb).toBeCloseTo(process.memoryUsage().rss / MiB, -1);
  });

  it("runs hooks above a real 1 MiB threshold and counts what they report", async () => {
    const m = new MemoryMonitor({ thresholdMb: 1, gc: null });
    const reasons: string[] = [];
    m.onCleanup((reason) => {
      reasons.push(reason);
      return 3 * MiB;
    });
    m.onCleanup(async () => 1 * MiB);
    const r = await m.check();
    expect(r).not.toBeNull();
    expect(reasons).toEqual(["threshold"]);
    expect(r?.hooksRun).toBe(2);
    expect(r?.reportedFreedBytes).toBe(4 * MiB);
    expect(r?.rssBeforeMb).toBeGreaterThan(1);
    const s = m.stats();
    expect(s.cleanups).toBe(1);
    expect(s.reportedMbFreed).toBe(4);
    expect(s.lastCleanupAt).toBe(r?.at);
    expect(s.rssMbFreed).toBe(r?.rssFreedMb);
  });

  it("does nothing at or below the threshold", async () => {
    const { m } = monitor(100);
    const hook = vi.fn(() => 0);
    m.onCleanup(hook);
    expect(await m.check()).toBeNull();
    expect(hook).not.toHaveBeenCalled();
    expect(m.stats().checks).toBe(1);
  });

  it("never cleans up from check() when disabled, but cleanup() still works", async () => {
    const { m } = monitor(500, { enabled: false });
    const hook = vi.fn(() => 10);
    m.onCleanup(hook);
    expect(await m.check()).toBeNull();
    expect(hook).not.toHaveBeenCalled();
    m.start();
    expect(m.running).toBe(false);
    const r = await m.cleanup("manual");
    expect(r.reason).toBe("manual");
    expect(hook).toHaveBeenCalledTimes(1);
    expect(m.stats().cleanups).toBe(1);
  });

  it("calls the injected gc after the hooks and measures RSS before and after separately", async () => {
    const { m, state } = monitor(300, { gc: () => (state.rssMb = 240) });
    const order: string[] = [];
    m.onCleanup(() => {
      order.push("hook");
      state.rssMb = 280;
      return 5 * MiB;
    });
    const r = await m.check();
    expect(r).toMatchObject({ rssBeforeMb: 300, rssAfterMb: 240, rssFreedMb: 60, reportedFreedBytes: 5 * MiB, gcRan: true });
    expect(order).toEqual(["hook"]);
    expect(m.stats()).toMatchObject({ gcAvailable: true, rssMbFreed: 60, reportedMbFreed: 5 });
  });

  it("reports no gc when none is exposed", async () => {
    const { m } = monitor(300);
    expect((await m.check())?.gcRan).toBe(false);
    expect(m.stats().gcAvailable).toBe(false);
  });

  it("does not storm: after a cleanup it waits for RSS to rise or the cooldown to pass", async () => {
    const { m, state } = monitor(200, { minCleanupIntervalMs: 5000, rearmMb: 20 });
    const hook = vi.fn(() => 1);
    m.onCleanup(hook);
    expect(await m.check()).not.toBeNull(); // post-cleanup RSS stays 200
    state.now += 1000;
    expect(await m.check()).toBeNull(); // still above threshold, but in cooldown
    state.rssMb = 219;
    expect(await m.check()).toBeNull(); // not risen by rearmMb
    state.rssMb = 220;
    expect(await m.check()).not.toBeNull(); // risen 20 MiB: clean again
    state.now += 4999;
    expect(await m.check()).toBeNull();
    state.now += 1;
    expect(await m.check()).not.toBeNull(); // cooldown over
    expect(hook).toHaveBeenCalledTimes(3);
    expect(m.stats()).toMatchObject({ cleanups: 3, cooldownSkips: 3, checks: 6 });
  });

  it("keeps running the other hooks when one fails, and records the failure", async () => {
    const { m } = monitor(300);
    const after = vi.fn(() => 7);
    m.onCleanup(() => {
      throw new Error("trim failed");
    });
    m.onCleanup(() => Number.NaN);
    m.onCleanup(after);
    const r = await m.check();
    expect(after).toHaveBeenCalled();
    expect(r?.reportedFreedBytes).toBe(7);
    expect(r?.hookErrors).toEqual(["trim failed", "cleanup hook returned NaN instead of a byte count"]);
    expect(m.stats().hookErrors).toBe(2);
  });

  it("unregisters hooks", async () => {
    const { m } = monitor(300);
    const hook = vi.fn(() => 1);
    const off = m.onCleanup(hook);
    off();
    expect((await m.cleanup())?.hooksRun).toBe(0);
    expect(hook).not.toHaveBeenCalled();
  });

  it("joins a cleanup already in flight instead of starting another", async () => {
    const { m } = monitor(300);
    let release!: (n: number) => void;
    const hook = vi.fn(() => new Promise<number>((resolve) => (release = resolve)));
    m.onCleanup(hook);
    const first = m.check();
    const second = m.cleanup("manual");
    expect(await m.check()).toBeNull();
    release(9);
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    expect(hook).toHaveBeenCalledTimes(1);
    expect(m.stats().cleanups).toBe(1);
  });

  it("checks periodically with an unref'd timer once started", async () => {
    vi.useFakeTimers();
    try {
      const { m } = monitor(300, { intervalMs: 50 });
      const hook = vi.fn(() => 1);
      m.onCleanup(hook);
      m.start();
      expect(m.running).toBe(true);
      await vi.advanceTimersByTimeAsync(120);
      expect(m.stats().checks).toBe(2);
      expect(hook).toHaveBeenCalledTimes(1); // the second check fell in the cooldown
      m.stop();
      expect(m.running).toBe(false);
      await vi.advanceTimersByTimeAsync(200);
      expect(m.stats().checks).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not start a timer when the interval is 0", () => {
    const { m } = monitor(300, { intervalMs: 0 });
    m.start();
    expect(m.running).toBe(false);
  });

  it("names invalid options", () => {
    for (const [options, name] of [
      [{ thresholdMb: 0 }, "thresholdMb"],
      [{ thresholdMb: Number.NaN }, "thresholdMb"],
      [{ thresholdMb: 10, intervalMs: -1 }, "intervalMs"],
      [{ thresholdMb: 10, intervalMs: 1.5 }, "intervalMs"],
      [{ thresholdMb: 10, minCleanupIntervalMs: -1 }, "minCleanupIntervalMs"],
      [{ thresholdMb: 10, rearmMb: Number.POSITIVE_INFINITY }, "rearmMb"],
    ] as const) {
      let err: unknown;
      try {
        new MemoryMonitor(options);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).option).toBe(name);
    }
  });
});
