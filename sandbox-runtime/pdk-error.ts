// The error class kong-js-pdk plugins catch: same name and message format.
import { $Error, defineProperty } from './intrinsics.ts';

export class PDKError extends $Error {
  constructor(message: string) {
    super(message);
    defineProperty(this, 'name', { value: 'PDKError', writable: true, enumerable: false, configurable: true });
  }
}
