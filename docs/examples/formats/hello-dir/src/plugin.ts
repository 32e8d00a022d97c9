// A directory plugin: package.json "main" names the entry, and the plugin is named after the
// directory (hello-dir). Other files of the directory, and its npm dependencies, are bundled in.
import { label } from './label.ts';

export class Plugin {
  async access(kong: { response: { setHeader(name: string, value: string): Promise<void> } }): Promise<void> {
    await kong.response.setHeader('x-format', label);
  }
}

export const Version = '1.0.0';
export const Priority = 0;
