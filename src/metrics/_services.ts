/**
 * The embedding services a metrics exporter reads at scrape time, grouped by role
 * (`search`, `ingest`). Counters must never go down, so when a service is retired its
 * final cache counts move into per-role totals. Internal: not exported from the package.
 */
import type { EmbeddingProvider } from "../providers/provider.js";
import type { VariantEmbeddingService } from "../embedding/service.js";

/** Cache counts of one role: live services plus retired ones. */
export interface RoleCacheTotals {
  hits: number;
  misses: number;
  evictions: Record<string, number>;
  /** Entries and MiB held now (live services only). */
  entries: number;
  memoryMb: number;
}

/** Request counters a remote provider exposes (see src/providers/remote/_remote.ts). */
interface RequestCounting {
  readonly requestStats?: { requests: number; retries: number };
}

interface Live {
  readonly role: string;
  lastUsed: number;
}

/** The services one exporter reads, with the retired totals that keep its counters monotonic. */
export class ServiceSet {
  private readonly live = new Map<VariantEmbeddingService, Live>();
  /** Providers whose services are adopted on their first batch, with the role they get. */
  private readonly providers = new Map<EmbeddingProvider, string>();
  /** Every provider object seen, for request counters that must not drop when a service retires. */
  private readonly requestSources = new Set<EmbeddingProvider>();
  private readonly retired = new Map<string, { hits: number; misses: number; evictions: Record<string, number> }>();
  private order = 0;

  /** Reads `service` at every scrape under `role` until {@link ServiceSet.unwatch}. */
  watch(service: VariantEmbeddingService, role: string): void {
    if (!this.live.has(service)) this.live.set(service, { role, lastUsed: ++this.order });
    this.requestSources.add(service.provider);
  }

  /**
   * Services built on `provider` (e.g. inside a pipeline) are adopted under `role` on
   * their first batch; the provider's request counters are exported from now on.
   */
  track(provider: EmbeddingProvider, role: string): void {
    this.providers.set(provider, role);
    this.requestSources.add(provider);
  }

  /** The role of a service seen in a batch event, adopting it when its provider is tracked. */
  roleOf(service: VariantEmbeddingService): string | undefined {
    const known = this.live.get(service);
    if (known) {
      known.lastUsed = ++this.order;
      return known.role;
    }
    const role = this.providers.get(service.provider);
    if (role === undefined) return undefined;
    this.live.set(service, { role, lastUsed: ++this.order });
    return role;
  }

  /** Stops reading `service`; its cache counts stay in the role's totals. */
  unwatch(service: VariantEmbeddingService): void {
    const w = this.live.get(service);
    if (!w) return;
    const c = service.cache.stats();
    const r = this.retiredOf(w.role);
    r.hits += c.hits;
    r.misses += c.misses;
    for (const [reason, n] of Object.entries(c.evictions as unknown as Record<string, number>)) r.evictions[reason] = (r.evictions[reason] ?? 0) + n;
    this.live.delete(service);
  }

  /** Retires every live service of `role` (e.g. when an ingest job ends). */
  unwatchRole(role: string): void {
    for (const [service, w] of [...this.live]) if (w.role === role) this.unwatch(service);
  }

  /** Per-role cache totals, every role ever seen. */
  cacheTotals(): Map<string, RoleCacheTotals> {
    const out = new Map<string, RoleCacheTotals>();
    for (const [role, r] of this.retired) out.set(role, { hits: r.hits, misses: r.misses, evictions: { ...r.evictions }, entries: 0, memoryMb: 0 });
    for (const [service, w] of this.live) {
      const c = service.cache.stats();
      const t = out.get(w.role) ?? { hits: 0, misses: 0, evictions: {}, entries: 0, memoryMb: 0 };
      t.hits += c.hits;
      t.misses += c.misses;
      for (const [reason, n] of Object.entries(c.evictions as unknown as Record<string, number>)) t.evictions[reason] = (t.evictions[reason] ?? 0) + n;
      t.entries += c.entries;
      t.memoryMb += c.bytes / 1048576;
      out.set(w.role, t);
    }
    return out;
  }

  /** The service that embedded most recently (or was watched last): its table's width and PCA. */
  primary(): VariantEmbeddingService | undefined {
    let best: VariantEmbeddingService | undefined;
    let at = -1;
    for (const [service, w] of this.live) {
      if (w.lastUsed > at) {
        at = w.lastUsed;
        best = service;
      }
    }
    return best;
  }

  /** Some provider known to the set (for the width before any service exists). */
  anyProvider(): EmbeddingProvider | undefined {
    return this.primary()?.provider ?? this.providers.keys().next().value;
  }

  /**
   * HTTP requests and retries by provider id, over every distinct provider object seen
   * (0 for providers that make no requests, such as the local one). Providers are few
   * and long-lived (one per server, one per CLI ingest), so all are kept for the totals.
   */
  providerRequests(): Map<string, { requests: number; retries: number }> {
    const out = new Map<string, { requests: number; retries: number }>();
    for (const p of this.requestSources) {
      const s = (p as RequestCounting).requestStats;
      const t = out.get(p.id) ?? { requests: 0, retries: 0 };
      t.requests += s?.requests ?? 0;
      t.retries += s?.retries ?? 0;
      out.set(p.id, t);
    }
    return out;
  }

  private retiredOf(role: string): { hits: number; misses: number; evictions: Record<string, number> } {
    let r = this.retired.get(role);
    if (!r) {
      r = { hits: 0, misses: 0, evictions: {} };
      this.retired.set(role, r);
    }
    return r;
  }
}
