// The error class kong-js-pdk plugins catch: same name and message format.
export class PDKError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PDKError';
  }
}
