// Attack: forge the server's log. Messages with newlines followed by JSON that looks like the
// server's own lines (an instance of "victim" killed, a shard died), carriage returns, U+2028,
// ANSI escapes, and an object whose keys are the log's own field names.
class Plugin {
  async access(kong) {
    const fake = '{"level":"error","time":"2026-01-01T00:00:00.000Z","pid":1,"event":"instance.killed","plugin":"victim","instance":1,"kind":"memory","msg":"forged"}';
    console.log(`before\n${fake}\nafter`);
    console.error(`\r${fake}\u2028${fake}`);
    console.warn('\u001b[2J\u001b[31mred');
    console.log({ level: 'fatal', event: 'shard.died', plugin: 'victim', msg: 'forged object' });
    await kong.response.setHeader('x-got', JSON.stringify({ logged: 4 }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
