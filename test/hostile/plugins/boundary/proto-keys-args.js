// Attack: PDK arguments whose keys are __proto__, constructor and prototype (built with JSON.parse,
// so they are own keys), at the top level and nested, hoping the host (or Kong's side of the copy)
// assigns them onto a prototype.
const poison = () =>
  JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},"nested":[{"__proto__":{"polluted":"yes"}}]}');

class Plugin {
  async access(kong) {
    await kong.service.request.setHeaders(poison());
    await kong.response.exit(418, poison(), JSON.parse('{"__proto__":"x-polluted","constructor":"x-ctor"}'));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
