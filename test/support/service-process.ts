import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../metrics/platform/project-root';

const ROOT = projectRoot(__dirname);
const MAIN = join(ROOT, 'dist', 'api', 'main.js');
const CLI = join(ROOT, 'dist', 'api', 'cli', 'cli.js');

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, TEST_DATABASE_URL: _ignored2, ...rest } = process.env;
  return { ...rest, NODE_OPTIONS: '', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...env };
}

/** Starts the compiled service the way the README's run command does, and waits for it to print its URL. */
export function startService(env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`service did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:\/\/localhost:\d+)"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1].replace('localhost', '127.0.0.1'),
          output: () => out,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`service exited with ${code} before starting:\n${out}`), { code, output: out }));
    });
  });
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the compiled CLI (as `npm run keys -- ...` does) and resolves with its exit code and output once it exits.
 * Asynchronous on purpose, never spawnSync: a blocking call stops this process's event loop while the CLI runs, so
 * fetch cannot notice the service closing an idle keep-alive connection (after 5 s) and sends the next request on the
 * dead socket ("other side closed"). A CLI still running after timeoutMs is killed and the promise rejects.
 */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
