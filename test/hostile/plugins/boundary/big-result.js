// Attack (on itself, through Kong): ask for a body that Kong answers with 17 MB, over --max-payload-size.
class Plugin {
  async access(kong) {
    let got;
    try {
      const body = await kong.request.getRawBody();
      got = { received: body.length };
    } catch (e) {
      got = { error: `${e.name}: ${e.message}` };
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
