import { describeSamplerContract } from '@upshift/testing';
import {
  createDdimSampler,
  createDdpmSampler,
  createDpmPp2mSampler,
  createDpmPp2mSdeSampler,
  createEulerAncestralSampler,
  createEulerSampler,
  createHeunSampler,
} from './index.js';

describeSamplerContract(() => createEulerSampler());
describeSamplerContract(() => createHeunSampler());
describeSamplerContract(() => createDdimSampler(), { title: 'sampler contract: ddim (eta 0)' });
describeSamplerContract(() => createDdimSampler({ eta: 1 }), { title: 'sampler contract: ddim (eta 1)' });
describeSamplerContract(() => createEulerAncestralSampler());
describeSamplerContract(() => createDdpmSampler(), { title: 'sampler contract: ddpm (posterior variance)' });
describeSamplerContract(() => createDpmPp2mSampler());
describeSamplerContract(() => createDpmPp2mSampler({ onLevelChange: 'first-order' }), { title: 'sampler contract: dpmpp-2m (first-order on level change)' });
describeSamplerContract(() => createDpmPp2mSdeSampler());
describeSamplerContract(() => createDpmPp2mSdeSampler({ eta: 0 }), { title: 'sampler contract: dpmpp-2m-sde (eta 0)' });
