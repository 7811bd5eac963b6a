import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type BenchResult, round, type ScenarioOutcome } from '../bench-result.js';
import { KeelProcess } from '../keel-process.js';
import type { ScenarioOptions } from '../scenario.js';
import { ScratchDatabase } from '../scratch-database.js';

const MIN_RATIO = 0.3;
const MIB = 1024 * 1024;

/**
 * File sharing throughput: a large file uploaded to Keel (HTTP, streamed, sha256, fsync, rename) and
 * downloaded back, next to a raw copy of the same file on the same disk with fsync (the ceiling), in
 * the same run; then many small files one after another (the WebDAV-copy-a-folder case). The server
 * runs in its own process; its peak memory (VmHWM) shows the upload streamed.
 */
export async function filesScenario(options: ScenarioOptions): Promise<ScenarioOutcome> {
  const { log } = options;
  const bytes = (options.quick ? 128 : 1024) * MIB;
  const smallCount = options.quick ? 200 : 1000;
  const dir = mkdtempSync(path.join(tmpdir(), 'keel-bench-files-'));
  const database = await ScratchDatabase.create();
  let keel: KeelProcess | undefined;
  try {
    const src = path.join(dir, 'big.bin');
    log(`writing a ${bytes / MIB} MiB source file`);
    await pipeline(generated(bytes), createWriteStream(src));

    log('ceiling: raw copy of the file on the same disk, with fsync');
    const copyStart = performance.now();
    const copyPath = path.join(dir, 'copy.bin');
    await pipeline(createReadStream(src, { highWaterMark: MIB }), createWriteStream(copyPath));
    const fh = await open(copyPath, 'r+');
    await fh.sync();
    await fh.close();
    const copySeconds = (performance.now() - copyStart) / 1000;
    rmSync(copyPath);

    keel = await KeelProcess.start({ databaseUrl: database.url, databasePoolSize: 5, logLevel: 'warn', env: { DISK_MIN_FREE_MB: '512' } });
    const base = keel.url;
    const spaces = (await (await fetch(`${base}/api/v1/files/spaces`)).json()) as { spaces: Array<{ id: string; storeId: number | null }> };
    const space = spaces.spaces.find((s) => s.storeId !== null)?.id as string;
    const rssBefore = vmHwm(keel.pid);

    log('upload through Keel');
    const upStart = performance.now();
    const up = await post(`${base}/api/v1/files/folders/${space}/files?name=big.bin`, createReadStream(src, { highWaterMark: MIB }));
    const upSeconds = (performance.now() - upStart) / 1000;
    if (up.status !== 201) throw new Error(`upload: ${up.status} ${up.body}`);
    const file = JSON.parse(up.body) as { id: string; size: number; sha256: string };
    if (file.size !== bytes) throw new Error(`uploaded ${file.size} of ${bytes} bytes`);
    const rssAfterUpload = vmHwm(keel.pid);

    log('download through Keel');
    const downStart = performance.now();
    const down = await fetch(`${base}/api/v1/files/${file.id}/content`);
    const hash = createHash('sha256');
    let got = 0;
    for await (const chunk of down.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      got += chunk.length;
    }
    const downSeconds = (performance.now() - downStart) / 1000;
    if (got !== bytes || hash.digest('hex') !== file.sha256) throw new Error('the download differs from the upload');

    log(`${smallCount} small files (4 KiB), one after another`);
    const folder = (await (
      await fetch(`${base}/api/v1/files/folders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ parentId: space, name: 'small' }),
      })
    ).json()) as { id: string };
    const smallStart = performance.now();
    for (let i = 0; i < smallCount; i++) {
      const res = await fetch(`${base}/api/v1/files/folders/${folder.id}/files?name=note-${i}.txt`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: randomBytes(2048).toString('hex'),
      });
      if (res.status !== 201) throw new Error(`small file ${i}: ${res.status} ${await res.text()}`);
    }
    const smallSeconds = (performance.now() - smallStart) / 1000;

    const mbps = (s: number) => bytes / MIB / s;
    const value = mbps(upSeconds);
    const baseline = mbps(copySeconds);
    const ratio = value / baseline;
    const rows = [
      { step: 'raw copy on the same disk + fsync (ceiling)', seconds: round(copySeconds, 2), MiBPerSec: round(baseline) },
      { step: 'upload through Keel (HTTP, sha256, fsync, rename, rows)', seconds: round(upSeconds, 2), MiBPerSec: round(value) },
      { step: 'download through Keel (HTTP, client sha256)', seconds: round(downSeconds, 2), MiBPerSec: round(mbps(downSeconds)) },
      { step: `${smallCount} small files, sequential`, seconds: round(smallSeconds, 2), MiBPerSec: round((smallCount * 4096) / MIB / smallSeconds, 2) },
    ];
    const result: BenchResult = {
      scenario: 'files',
      metric: 'MiB/s of a streamed upload through Keel vs a raw copy of the same file on the same disk with fsync',
      value: round(value),
      unit: 'MiB/s',
      baseline: round(baseline),
      ratio: round(ratio, 3),
      target: `ratio >= ${MIN_RATIO}`,
      pass: ratio >= MIN_RATIO,
      params: {
        bytes,
        quick: options.quick,
        downloadMiBPerSec: round(mbps(downSeconds)),
        smallFiles: smallCount,
        smallFilesPerSec: round(smallCount / smallSeconds),
        serverPeakRssMiB: { beforeUpload: round(rssBefore / MIB), afterUpload: round(rssAfterUpload / MIB) },
      },
    };
    return { result, tables: [{ title: `files: ${bytes / MIB} MiB file, ${smallCount} small files`, rows }] };
  } finally {
    await keel?.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function generated(total: number): Readable {
  const block = randomBytes(MIB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const chunk = Buffer.from(block);
      chunk.writeUInt32BE(sent / MIB, 0);
      sent += MIB;
      this.push(chunk);
    },
  });
}

/** Peak resident memory of a process (VmHWM), in bytes. */
function vmHwm(pid: number | undefined): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

function post(url: string, body: Readable): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    body.pipe(req);
  });
}
