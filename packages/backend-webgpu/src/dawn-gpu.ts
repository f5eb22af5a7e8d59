/**
 * WebGPU in Node through Dawn (the `webgpu` npm package). Loading is a probe: each failure
 * becomes a reason a user can act on (package missing, no binary for this platform, the Vulkan
 * loader missing) instead of a crash. Node modules are imported dynamically so a browser bundle
 * never pulls them in.
 */

/** Result of {@link loadDawn}: Dawn's GPU object and globals, or why it cannot load. */
export type DawnLoadResult =
  | { readonly ok: true; readonly gpu: GPU; readonly globals: Readonly<Record<string, unknown>>; readonly binary: string }
  | { readonly ok: false; readonly reason: string };

/** Whether this process is Node.js (or a Node-compatible runtime). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** The `dist/` folder name the webgpu package uses for this platform. */
export function dawnPlatformDir(platform: string = process.platform, arch: string = process.arch): string {
  return platform === 'darwin' ? 'darwin-universal' : `${platform}-${arch}`;
}

const loads = new Map<string, Promise<DawnLoadResult>>();

/**
 * Loads Dawn once per flag set and creates its GPU object (`create(flags)`). Never throws.
 * `packageSpecifier` is the module to import (the `webgpu` package; tests point it elsewhere).
 */
export function loadDawn(flags: readonly string[], packageSpecifier = 'webgpu'): Promise<DawnLoadResult> {
  const key = `${packageSpecifier}\u0000${flags.join('\u0000')}`;
  let load = loads.get(key);
  if (load === undefined) {
    load = loadDawnUncached(flags, packageSpecifier);
    loads.set(key, load);
  }
  return load;
}

async function loadDawnUncached(flags: readonly string[], specifier: string): Promise<DawnLoadResult> {
  if (!isNode()) return { ok: false, reason: 'navigator.gpu is missing: this browser has no WebGPU (or it is disabled)' };
  const { createRequire } = await import('node:module');
  const { existsSync, readdirSync, readFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve(`${specifier}/package.json`));
  } catch {
    return { ok: false, reason: `the "${specifier}" package (Dawn for Node) is not installed` };
  }
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: string }).version;
  const platformDir = dawnPlatformDir();
  const binary = join(packageDir, 'dist', platformDir, 'dawn.node');
  if (!existsSync(binary)) {
    let available: string[] = [];
    try {
      available = readdirSync(join(packageDir, 'dist'));
    } catch {
      // no dist folder at all
    }
    return {
      ok: false,
      reason: `no Dawn binary for ${platformDir} in ${specifier}@${version ?? '?'} (it ships: ${available.join(', ') || 'none'})`,
    };
  }
  try {
    const dawn = (await import(/* @vite-ignore */ specifier)) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
    return { ok: true, gpu: dawn.create([...flags]), globals: dawn.globals, binary };
  } catch (error) {
    return { ok: false, reason: `cannot load Dawn from ${binary}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Matches every reason a capability check gives when Dawn has no adapter for us: Dawn's own
 * refusal (`requestAdapter()` rejecting, e.g. for an adapter flag that matches nothing) or
 * {@link explainNoAdapter}'s account of a null adapter (no Vulkan loader, no driver, ...).
 */
export const NO_ADAPTER_REASON = /^(requestAdapter\(\) failed: no suitable backends found|Dawn found no GPU adapter(: \S|$))/;

/** Whether `path` is a real, non-empty file (following links). */
function isNonEmptyFile(statSync: typeof import('node:fs').statSync, path: string): boolean {
  try {
    const stat = statSync(path);
    return stat.isFile() && stat.size > 0;
  } catch {
    return false;
  }
}

/**
 * Where the dynamic loader would find the Vulkan loader `libvulkan.so.1`: the paths the
 * loader cache (`/etc/ld.so.cache`) lists for it, and `LD_LIBRARY_PATH`. Only real, non-empty
 * files count, so a stale cache entry (package removed) reads as "not installed". Undefined
 * outside Node or when there is none.
 */
export async function findVulkanLoader(env?: Readonly<Record<string, string | undefined>>, ldCache = '/etc/ld.so.cache'): Promise<string | undefined> {
  if (!isNode()) return undefined;
  env ??= process.env;
  const { readFileSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const candidates = (env['LD_LIBRARY_PATH'] ?? '')
    .split(':')
    .filter(Boolean)
    .map((d) => join(d, 'libvulkan.so.1'));
  try {
    // The cache is binary; the library paths in it are NUL-terminated strings.
    const text = readFileSync(ldCache).toString('latin1');
    for (const match of text.matchAll(/\/[^\0]*\/libvulkan\.so\.1(?=\0)/g)) candidates.push(match[0]);
  } catch {
    // no loader cache: LD_LIBRARY_PATH only
  }
  return candidates.find((path) => isNonEmptyFile(statSync, path));
}

/**
 * The Vulkan driver manifests (ICD JSON files) the Vulkan loader would read on Linux:
 * `VK_DRIVER_FILES` / `VK_ICD_FILENAMES` when set (they replace the search), plus
 * `VK_ADD_DRIVER_FILES`, else every `*.json` in the `vulkan/icd.d` folders of the XDG config and
 * data directories, /usr/local/etc and /etc (the loader's search order). Existing files only.
 */
export async function findVulkanDrivers(env?: Readonly<Record<string, string | undefined>>): Promise<string[]> {
  if (!isNode()) return [];
  env ??= process.env;
  const { existsSync, readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { homedir } = await import('node:os');
  const list = (v: string | undefined): string[] => (v ?? '').split(':').filter(Boolean);
  const added = list(env['VK_ADD_DRIVER_FILES']).filter((f) => existsSync(f));
  const chosen = env['VK_DRIVER_FILES'] ?? env['VK_ICD_FILENAMES'];
  if (chosen !== undefined) return [...list(chosen).filter((f) => existsSync(f)), ...added];
  const home = env['HOME'] ?? homedir();
  const dirs = [
    env['XDG_CONFIG_HOME'] ?? join(home, '.config'),
    ...(list(env['XDG_CONFIG_DIRS']).length ? list(env['XDG_CONFIG_DIRS']) : ['/etc/xdg']),
    '/usr/local/etc',
    '/etc',
    env['XDG_DATA_HOME'] ?? join(home, '.local/share'),
    ...(list(env['XDG_DATA_DIRS']).length ? list(env['XDG_DATA_DIRS']) : ['/usr/local/share', '/usr/share']),
  ];
  const found: string[] = [];
  for (const dir of dirs) {
    const icd = join(dir, 'vulkan', 'icd.d');
    let names: string[] = [];
    try {
      names = readdirSync(icd);
    } catch {
      continue;
    }
    for (const name of names.sort()) if (name.endsWith('.json')) found.push(join(icd, name));
  }
  return [...found, ...added];
}

/**
 * Why Dawn cannot find a Vulkan adapter here, known before creating it (on Linux: no Vulkan
 * loader, or no driver manifest at all); undefined when it may. Creating Dawn anyway would only
 * add its own warnings, with file paths from its build machine, to the output.
 */
export async function vulkanPreflight(env?: Readonly<Record<string, string | undefined>>, ldCache?: string): Promise<string | undefined> {
  if (!isNode() || process.platform !== 'linux') return undefined;
  env ??= process.env;
  if ((await findVulkanLoader(env, ldCache)) === undefined || (await findVulkanDrivers(env)).length === 0) return explainNoAdapter(env, ldCache);
  return undefined;
}

/**
 * Why Dawn found no adapter, as far as can be told from outside: on Linux, whether the Vulkan
 * loader is installed and which driver manifests the loader reads. `env` and `ldCache` default
 * to this process's environment and `/etc/ld.so.cache`.
 */
export async function explainNoAdapter(env?: Readonly<Record<string, string | undefined>>, ldCache?: string): Promise<string> {
  const base = 'Dawn found no GPU adapter';
  if (!isNode() || process.platform !== 'linux') return base;
  env ??= process.env;
  const { existsSync } = await import('node:fs');
  if ((await findVulkanLoader(env, ldCache)) === undefined) {
    return `${base}: the Vulkan loader libvulkan.so.1 is not installed (Debian/Ubuntu: apt-get install libvulkan1)`;
  }
  const icd = env['VK_DRIVER_FILES'] ?? env['VK_ICD_FILENAMES'];
  if (icd !== undefined) {
    const missing = icd.split(':').filter((f) => f && !existsSync(f));
    if (missing.length) return `${base}: the Vulkan driver file(s) ${missing.join(', ')} named by VK_ICD_FILENAMES/VK_DRIVER_FILES do not exist`;
    return `${base}: no usable Vulkan device from the driver(s) ${icd}`;
  }
  const drivers = await findVulkanDrivers(env);
  if (drivers.length) return `${base}: no usable Vulkan device from the driver(s) ${drivers.join(', ')}`;
  return `${base}: no Vulkan driver found (no GPU? for a CPU fallback set VK_ICD_FILENAMES to SwiftShader's vk_swiftshader_icd.json, e.g. /usr/lib/chromium/vk_swiftshader_icd.json)`;
}
