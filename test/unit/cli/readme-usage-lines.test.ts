// The usage lines of README "Command line" are how a desk owner finds the options: each option a command takes
// (as its --help lists them) is on its line there (`kb suggest --json` was missing). Read from the command tree
// itself, in this process: a `--help` process for each of the ~40 commands took most of a minute on a busy machine,
// and a line naming a command that does not exist passed, its help being its group's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/command-tree.js';
import { projectRoot } from '../../../src/paths.js';

/** Each command the README's usage lines name ("tickets set"; "": `ventanilla --version`), with the text of its lines. */
function usageLines(): Map<string, string> {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const block = readme.slice(readme.indexOf('## Command line'), readme.indexOf('### JSON output (stable)'));
  const commands = new Map<string, string>();
  for (const line of block.split('\n').filter((l) => l.startsWith('ventanilla '))) {
    // `ventanilla survey opt-out|opt-in <email>`: the words before the first argument or option, each alternative;
    // the usage ends where two spaces start its description (`ventanilla start      the daemon: ...`).
    const words = (line.split(/ {2,}/)[0] as string).split(' ').slice(1);
    const end = words.findIndex((w) => !/^[a-z][a-z|-]*$/.test(w));
    const name = (end === -1 ? words : words.slice(0, end)).join(' ');
    const [group, alternatives] = name.includes(' ') ? [name.slice(0, name.lastIndexOf(' ') + 1), name.slice(name.lastIndexOf(' ') + 1)] : ['', name];
    for (const command of alternatives.split('|')) commands.set(group + command, (commands.get(group + command) ?? '') + line);
  }
  return commands;
}

function commandAt(program: Command, path: string[]): Command | undefined {
  let at: Command | undefined = program;
  for (const name of path.filter((word) => word !== '')) at = at?.commands.find((c) => c.name() === name);
  return at;
}

/** The long options its --help lists (commander's own Help, which prints them), but --help. */
const helpOptions = (command: Command): string[] =>
  command
    .createHelp()
    .visibleOptions(command)
    .map((option) => option.long)
    .filter((long): long is string => long !== undefined && long !== '--help');

/** Every command that runs ("tickets set"), not the groups that hold them; commander's own `help` left out. */
function runnableCommands(command: Command, prefix = ''): string[] {
  return command.commands
    .filter((sub) => sub.name() !== 'help')
    .flatMap((sub) => (sub.commands.length > 0 ? runnableCommands(sub, `${prefix}${sub.name()} `) : [`${prefix}${sub.name()}`]));
}

describe('README "Command line" names every option of every command', () => {
  it('has a usage line for every command', () => {
    const documented = usageLines();
    expect(runnableCommands(buildProgram()).filter((name) => !documented.has(name))).toEqual([]);
  });


  it('each usage line names a command there is, and the options it takes', () => {
    const program = buildProgram();
    const commands = usageLines();
    expect(commands.size).toBeGreaterThan(30);
    const unknown: string[] = [];
    const missing: string[] = [];
    for (const [name, lines] of commands) {
      const command = commandAt(program, name.split(' '));
      if (!command) {
        unknown.push(name);
        continue;
      }
      for (const option of helpOptions(command)) if (!new RegExp(`${option}(?![a-z-])`).test(lines)) missing.push(`${name} ${option}`);
    }
    expect({ unknown, missing }).toEqual({ unknown: [], missing: [] });
  });
});
