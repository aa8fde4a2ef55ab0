/** One build `npm start` may run: what it is built from, where it writes, and the command. */
export interface Build {
  name: string;
  /** Files and directories, relative to the root, whose content decides whether to build. */
  inputs: string[];
  ignore: (path: string) => boolean;
  outputDir: string;
  command: [string, string[]];
}

export function seawallBuilds(): Build[];

export function buildIfNeeded(root: string, builds: Build[], log?: (line: string) => void): string[];
