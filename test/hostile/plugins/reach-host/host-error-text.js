// Attack: provoke the errors the host puts into plugin code (a StepError from Kong, arguments that
// cannot be copied, arguments over --max-payload-size, a result over it) and collect their messages
// and stacks, looking for host paths and host objects.
class Plugin {
  async access(kong) {
    const errors = [];
    const catchIt = async (f) => {
      try {
        await f();
        errors.push({ name: 'none' });
      } catch (e) {
        errors.push({ name: e.name, message: String(e.message), stack: String(e.stack), own: e instanceof Error, keys: Object.getOwnPropertyNames(e) });
      }
    };
    await catchIt(() => kong.request.getHeader('x-fails')); // StepError
    await catchIt(() => kong.response.setHeader('x-sym', Symbol('s'))); // not copyable
    await catchIt(() => kong.response.setHeader('x-big', 'b'.repeat(200_000))); // over --max-payload-size
    await catchIt(() => kong.request.getRawBody()); // the test answers with a result over the limit
    await kong.response.setHeader('x-got', JSON.stringify(errors));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
