import ivm from 'isolated-vm';
const iso = new ivm.Isolate({ memoryLimit: 16 });
const ctx = await iso.createContext();
const got = [];
await ctx.global.set('__b', new ivm.Callback((...a) => { got.push(a); }, { ignored: true }));
await ctx.eval(`__b(1, "m", [1, {a: new Uint8Array([1,2])}, "x"]); try { __b(2, "f", [()=>1]) } catch (e) { globalThis.err = String(e) }`);
await new Promise(r => setTimeout(r, 50));
console.log(JSON.stringify(got), got[0]?.[2]?.[1]?.a, await ctx.eval('err'));
// settle with copy of a __proto__-keyed object
const fn = await ctx.eval(`(function(d){ globalThis.d = d; return Object.keys(d.h).join(',') + '|' + (Object.getPrototypeOf(d.h)===Object.prototype) + '|' + (d.b instanceof Uint8Array) })`, { reference: true });
const h = Object.create(null); Object.defineProperty(h, '__proto__', { value: ['x'], enumerable: true, writable: true, configurable: true }); h.host = ['a'];
console.log(await fn.apply(undefined, [{ h, b: Buffer.from('hi') }], { arguments: { copy: true }, result: { copy: true }, timeout: 100 }));
console.log(await ctx.eval('JSON.stringify(d.h.__proto__)'));
const loop = await ctx.eval(`(async function(){ await null; while(true){} })`, { reference: true });
const t0 = Date.now();
try { await loop.apply(undefined, [], { timeout: 100 }); console.log('no throw', Date.now()-t0); } catch (e) { console.log('threw', e.message, Date.now()-t0); }
console.log(iso.cpuTime, iso.wallTime, iso.isDisposed);
