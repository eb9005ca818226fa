/**
 * Whether ONNX Runtime's WebGPU provider can start here: a Vulkan ICD named by VK_ICD_FILENAMES
 * (e.g. Chromium's SwiftShader, /usr/lib/chromium/vk_swiftshader_icd.json) and a Vulkan loader.
 * Empty when it can; otherwise why not (tests that need it are skipped with that reason).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

function why(): string {
  const icd = process.env.VK_ICD_FILENAMES;
  const loaderDirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib'];
  const loader = loaderDirs.find((d) => existsSync(path.join(d, 'libvulkan.so.1')));
  if (!icd) return 'VK_ICD_FILENAMES is not set (e.g. /usr/lib/chromium/vk_swiftshader_icd.json)';
  if (!existsSync(icd)) return `the Vulkan ICD file ${icd} does not exist`;
  if (!loader) return 'no libvulkan.so.1 on LD_LIBRARY_PATH or in the system library dirs (Debian chromium has one in /usr/lib/chromium)';
  return '';
}

export const webgpuSkipReason = why();
