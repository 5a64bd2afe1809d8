/** Runs `pointvis <args>` in-process with the given commands registered, capturing stdout and stderr. */
import { Command } from 'commander';
import { vi } from 'vitest';

export async function runCapturedCli(
  registers: readonly ((program: Command) => void)[],
  args: readonly string[],
): Promise<{ stdout: string; stderr: string }> {
  const program = new Command('pointvis').exitOverride();
  for (const register of registers) register(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'pointvis', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr };
}
