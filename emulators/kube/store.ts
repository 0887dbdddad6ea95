// The emulated etcd: every object by resource, namespace and name, one resourceVersion counter shared by
// all of them (as etcd's revision is), and the recent change history so a watch that starts from a
// resourceVersion a list returned sees what happened in between.

/** A Kubernetes object as JSON. Loosely typed on purpose: the emulator reads and writes arbitrary manifests. */
export type KObject = Record<string, any>

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'
export interface WatchEvent {
  type: WatchEventType
  object: KObject
}

interface Watcher {
  resource: string
  /** Undefined: every namespace. */
  namespace?: string
  filter: (object: KObject) => boolean
  send: (event: WatchEvent) => void
}

const HISTORY_LIMIT = 2000

function keyOf(resource: string, namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`
}

export class Store {
  private revision = 0
  private readonly objects = new Map<string, KObject>()
  private readonly history: Array<{ revision: number; resource: string; namespace: string; event: WatchEvent }> = []
  private readonly watchers = new Set<Watcher>()

  get resourceVersion(): string {
    return String(this.revision)
  }

  /** A copy of the object, or undefined. namespace is '' for cluster-scoped resources. */
  get(resource: string, namespace: string, name: string): KObject | undefined {
    const found = this.objects.get(keyOf(resource, namespace, name))
    return found === undefined ? undefined : structuredClone(found)
  }

  /** Copies of the objects of one resource, in one namespace or all, sorted by namespace and name. */
  list(resource: string, namespace?: string): KObject[] {
    const prefix = namespace === undefined ? `${resource}/` : `${resource}/${namespace}/`
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => structuredClone(object))
  }

  /** Stores a copy with the next resourceVersion, tells the watchers, and returns what was stored. */
  save(resource: string, object: KObject): KObject {
    const namespace: string = object.metadata.namespace ?? ''
    const key = keyOf(resource, namespace, object.metadata.name)
    const type: WatchEventType = this.objects.has(key) ? 'MODIFIED' : 'ADDED'
    const stored = structuredClone(object)
    stored.metadata.resourceVersion = String(++this.revision)
    this.objects.set(key, stored)
    this.emit(resource, namespace, { type, object: stored })
    return structuredClone(stored)
  }

  /** Deletes the object; returns it (with the deletion's resourceVersion) or undefined when absent. */
  remove(resource: string, namespace: string, name: string): KObject | undefined {
    const key = keyOf(resource, namespace, name)
    const found = this.objects.get(key)
    if (found === undefined) return undefined
    this.objects.delete(key)
    found.metadata.resourceVersion = String(++this.revision)
    this.emit(resource, namespace, { type: 'DELETED', object: found })
    return structuredClone(found)
  }

  /**
   * Watches one resource. Changes after `sinceRevision` that are still in the history are replayed first
   * (a watch started from a list's resourceVersion misses nothing). Returns the function that stops it.
   */
  watch(resource: string, namespace: string | undefined, sinceRevision: number, filter: (o: KObject) => boolean, send: (e: WatchEvent) => void): () => void {
    const watcher: Watcher = { resource, namespace, filter, send }
    for (const past of this.history) {
      if (past.revision > sinceRevision && this.matches(watcher, past.resource, past.namespace, past.event.object)) send(structuredClone(past.event))
    }
    this.watchers.add(watcher)
    return () => this.watchers.delete(watcher)
  }

  private matches(watcher: Watcher, resource: string, namespace: string, object: KObject): boolean {
    return watcher.resource === resource && (watcher.namespace === undefined || watcher.namespace === namespace) && watcher.filter(object)
  }

  private emit(resource: string, namespace: string, event: WatchEvent): void {
    this.history.push({ revision: this.revision, resource, namespace, event: structuredClone(event) })
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT)
    for (const watcher of this.watchers) {
      if (this.matches(watcher, resource, namespace, event.object)) watcher.send(structuredClone(event))
    }
  }
}
