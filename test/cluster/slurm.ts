/**
 * A one-node Slurm cluster on this machine, for the cluster test (test/cluster/run.mjs):
 * munged, slurmctld and slurmd in the foreground as children of the test, a generated
 * slurm.conf and munge key, all state in one temporary folder; stop() ends the daemons by
 * their PIDs and removes the folder. Needs root and Debian's slurm-wlm and munge.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** A TCP port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class SlurmCluster {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'midl-slurm-'));
  readonly env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: path.join(this.dir, 'slurm.conf') };
  private readonly daemons: ChildProcess[] = [];

  /** Writes the configuration and key, starts the three daemons and waits for the node to be idle. */
  async start(): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error('the cluster test runs Slurm daemons and needs root');
    for (const tool of ['munged', 'slurmctld', 'slurmd', 'sbatch']) {
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`]);
      } catch {
        throw new Error(`${tool} not found: apt-get install slurm-wlm munge (.ci/run does)`);
      }
    }
    const d = this.dir;
    const host = os.hostname().split('.')[0];
    fs.writeFileSync(path.join(d, 'munge.key'), randomBytes(1024), { mode: 0o600 });
    for (const sub of ['state', 'spool']) fs.mkdirSync(path.join(d, sub));
    const conf = [
      'ClusterName=midltest', `SlurmctldHost=${host}`, 'SlurmUser=root', 'SlurmdUser=root',
      `SlurmctldPort=${await freePort()}`, `SlurmdPort=${await freePort()}`,
      'AuthType=auth/munge', 'CredType=cred/munge', `AuthInfo=socket=${d}/munge.socket`,
      `StateSaveLocation=${d}/state`, `SlurmdSpoolDir=${d}/spool`,
      `SlurmctldPidFile=${d}/slurmctld.pid`, `SlurmdPidFile=${d}/slurmd.pid`,
      `SlurmctldLogFile=${d}/slurmctld.log`, `SlurmdLogFile=${d}/slurmd.log`,
      'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'JobAcctGatherType=jobacct_gather/none',
      'SelectType=select/cons_tres', 'SelectTypeParameters=CR_CPU', 'ReturnToService=2', 'MpiDefault=none',
      `NodeName=${host} CPUs=${os.cpus().length} State=UNKNOWN`,
      `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
    ];
    fs.writeFileSync(path.join(d, 'slurm.conf'), `${conf.join('\n')}\n`);
    this.daemon('munged', ['--foreground', '--force', `--socket=${d}/munge.socket`, `--key-file=${d}/munge.key`,
      `--pid-file=${d}/munged.pid`, `--log-file=${d}/munged.log`, `--seed-file=${d}/munge.seed`]);
    await this.until(() => fs.existsSync(`${d}/munge.socket`), 10_000, 'munged to open its socket');
    this.daemon('slurmctld', ['-D', '-f', `${d}/slurm.conf`]);
    this.daemon('slurmd', ['-D', '-f', `${d}/slurm.conf`]);
    await this.until(() => /idle/.test(this.tryRun('sinfo', ['-h', '-o', '%T'])), 30_000, 'the node to be idle');
  }

  private daemon(command: string, args: string[]): void {
    const log = fs.openSync(path.join(this.dir, `${command}.out`), 'a');
    const child = spawn(command, args, { env: this.env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.daemons.push(child);
  }

  /** Runs a Slurm client command; its stdout. */
  run(command: string, args: string[]): string {
    return execFileSync(command, args, { env: this.env, encoding: 'utf8' }).trim();
  }

  private tryRun(command: string, args: string[]): string {
    try {
      return this.run(command, args);
    } catch {
      return '';
    }
  }

  async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(250);
    }
  }

  /** Submits a batch script; the job id. */
  sbatch(args: string[]): string {
    return this.run('sbatch', ['--parsable', `--chdir=${this.dir}`, ...args]).split(';')[0];
  }

  /** Waits until none of the jobs is pending or running. */
  async wait(jobs: string[], timeoutMs: number): Promise<void> {
    await this.until(() => this.tryRun('squeue', ['-h', '-j', jobs.join(',')]) === '', timeoutMs, `jobs ${jobs.join(', ')}`);
  }

  /** A finished job's exit code, from the controller (there is no accounting database). */
  exitCode(job: string): number {
    const m = /ExitCode=(\d+):(\d+)/.exec(this.run('scontrol', ['show', 'job', job]));
    if (m === null) throw new Error(`no exit code for job ${job}`);
    return Number(m[1]);
  }

  /** PIDs of the processes whose command line names the cluster's folder (daemons, job steps, tasks). */
  processes(): number[] {
    return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(this.dir);
      } catch {
        return false;
      }
    }).map(Number);
  }

  /** Cancels every job, stops the daemons by their PIDs (slurmd first) and removes the folder. */
  async stop(): Promise<void> {
    this.tryRun('scancel', ['--full', '--partition=test']);
    await this.until(() => this.tryRun('squeue', ['-h']) === '', 20_000, 'the cancelled jobs to end').catch(() => undefined);
    for (const child of [...this.daemons].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
