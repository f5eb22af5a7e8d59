/**
 * The tfjs WebGPU backend with device-loss handling. tfjs-backend-webgpu ignores
 * `GPUDevice.lost`: after a loss every read fails with an empty error or never settles. This
 * subclass (through the public `WebGPUBackend` export and `tf.registerBackend`, no patching)
 * turns a lost device into a {@link BackendUnavailableError} that says so, on the next kernel
 * launch and on any pending or later read, so a run fails cleanly and its tensors can still be
 * disposed. Activating the provider again creates a fresh device.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { BackendValues, DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '@upshift/core';

/** A WebGPU backend that knows whether its device was lost. */
export interface GuardedWebGpuBackend extends WebGPUBackend {
  /** Why the device was lost, once it has been; undefined while it is alive. */
  readonly lostInfo: GPUDeviceLostInfo | undefined;
  /** The error a call on a lost device throws. */
  lostError(): BackendUnavailableError;
}

type WebGpuBackendClass = typeof WebGPUBackend;

/** The error for a lost device, naming its reason and message. */
export function deviceLostError(info: GPUDeviceLostInfo): BackendUnavailableError {
  const message = info.message ? `: ${info.message}` : '';
  return new BackendUnavailableError('webgpu', `the GPU device was lost (reason "${info.reason}")${message}; activate the backend again to get a new device`);
}

/** Subclasses `Base` (the `WebGPUBackend` export of tfjs-backend-webgpu) with the loss guard. */
export function defineGuardedBackend(Base: WebGpuBackendClass): new (device: GPUDevice, adapterInfo?: GPUAdapterInfo) => GuardedWebGpuBackend {
  class Guarded extends Base implements GuardedWebGpuBackend {
    lostInfo: GPUDeviceLostInfo | undefined;
    private readonly lostSignal: Promise<GPUDeviceLostInfo>;

    constructor(device: GPUDevice, adapterInfo?: GPUAdapterInfo) {
      super(device, adapterInfo);
      this.lostSignal = device.lost.then((info) => {
        this.lostInfo = info;
        return info;
      });
    }

    lostError(): BackendUnavailableError {
      return deviceLostError(this.lostInfo ?? { reason: 'unknown', message: '' } as GPUDeviceLostInfo);
    }

    private assertAlive(): void {
      if (this.lostInfo !== undefined) throw this.lostError();
    }

    override runWebGPUProgram(...args: Parameters<WebGPUBackend['runWebGPUProgram']>): TensorInfo {
      this.assertAlive();
      return super.runWebGPUProgram(...args);
    }

    override readSync(dataId: object): BackendValues {
      this.assertAlive();
      return super.readSync(dataId);
    }

    override async read(dataId: object): Promise<BackendValues> {
      this.assertAlive();
      const lost = this.lostSignal.then(() => Promise.reject(this.lostError()));
      lost.catch(() => {}); // only observed if it wins the race
      try {
        return await Promise.race([super.read(dataId), lost]);
      } catch (error) {
        // A read that failed because of a loss often rejects before `lost` settles.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (this.lostInfo !== undefined) throw this.lostError();
        throw error;
      }
    }

    override write(values: BackendValues, shape: number[], dtype: DataType): object {
      this.assertAlive();
      return super.write(values, shape, dtype);
    }
  }
  return Guarded;
}

/**
 * A tfjs backend factory like tfjs-backend-webgpu's own (same required features and limits),
 * creating a {@link GuardedWebGpuBackend} on a device from `gpu`.
 */
export function guardedBackendFactory(Base: WebGpuBackendClass, gpu: GPU, powerPreference: GPUPowerPreference): () => Promise<KernelBackend> {
  const Guarded = defineGuardedBackend(Base);
  return async () => {
    const adapter = await gpu.requestAdapter({ powerPreference });
    if (adapter === null) throw new BackendUnavailableError('webgpu', 'requestAdapter() returned no adapter');
    const requiredFeatures: GPUFeatureName[] = [];
    if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
    const limits = adapter.limits;
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    });
    return new Guarded(device, adapter.info);
  };
}
