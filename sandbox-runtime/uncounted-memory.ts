// Memory V8 keeps outside the heap limit isolated-vm enforces is not offered to plugins:
// - WebAssembly memories are reserved and grown outside --memory-limit (one instance under 32 MB
//   held 200 MB), and a reservation of many GB can take the shard's address space;
// - resizable ArrayBuffers (`new ArrayBuffer(n, { maxByteLength })`) reserve their maximum up front
//   and grow outside the limit the same way;
// - SharedArrayBuffers can be growable likewise, and an isolate has no other thread to share with.
// Plain ArrayBuffers and typed arrays (also outside the heap) stay: isolated-vm's allocator counts
// them against the limit, and ArrayBuffer.prototype.transfer makes only such fixed-length buffers
// once no resizable one can exist.
import { $TypeError, $Proxy, construct, defineProperty } from './intrinsics.ts';

export function withholdUncountedMemory(): void {
  const g = globalThis as Record<string, unknown>;
  delete g.WebAssembly;
  delete g.SharedArrayBuffer;
  const Original = ArrayBuffer;
  const Counted: unknown = new $Proxy(Original, {
    construct(target, args: unknown[], newTarget: (...a: unknown[]) => unknown) {
      const options = args[1];
      if (typeof options === 'object' && options !== null && (options as { maxByteLength?: unknown }).maxByteLength !== undefined) {
        throw new $TypeError('resizable ArrayBuffers (maxByteLength) are not offered in the sandbox: their memory would be reserved outside --memory-limit');
      }
      return construct(target, [args[0]], newTarget) as object;
    },
  });
  defineProperty(g, 'ArrayBuffer', { value: Counted, writable: true, configurable: true, enumerable: false });
  // the one other way to the constructor: the `constructor` of every buffer
  defineProperty(Original.prototype, 'constructor', { value: Counted, writable: true, configurable: true, enumerable: false });
}
