// TypeScript, with the exports as one default-exported object; Name overrides the file name.
interface Config {
  label: string;
}

interface Kong {
  response: { setHeader(name: string, value: string): Promise<void> };
}

class Plugin {
  constructor(private readonly config: Config) {}

  async access(kong: Kong): Promise<void> {
    await kong.response.setHeader('x-format', this.config.label);
  }
}

export default {
  Plugin,
  Name: 'hello-typescript',
  Schema: [{ label: { type: 'string', default: 'ts' } }],
  Version: '1.0.0',
  Priority: 0,
};
