// Reports the error a PDK call failed with when Kong answers with plugin.StepError.
class Plugin {
  async access(kong) {
    let got;
    try {
      got = { value: await kong.request.getHeader('x-any') };
    } catch (e) {
      got = { name: e.name, message: e.message, own: e instanceof Error };
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
