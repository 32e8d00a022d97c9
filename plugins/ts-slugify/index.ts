// A TypeScript plugin with an npm dependency (slugify) bundled in by esbuild: it puts a slug of the
// request path in a response header.
import slugify from 'slugify';

interface Config {
  header?: string;
}

interface Kong {
  request: { getPath(): Promise<string | undefined> };
  response: { setHeader(name: string, value: string): Promise<void> };
}

export class Plugin {
  constructor(private readonly config: Config) {}

  async access(kong: Kong): Promise<void> {
    const path = (await kong.request.getPath()) ?? '/';
    await kong.response.setHeader(this.config.header ?? 'x-path-slug', slugify(path.replace(/\//g, ' '), { lower: true }) || 'root');
  }
}

export const Version = '0.2.0';
export const Priority = 5;
export const Schema = [{ header: { type: 'string' } }];
