import { describe, expect, it } from 'vitest';
import { formatStepProfile, profileStep } from '../stepProfile.ts';

describe('npm run profile-step', () => {
  it('times every call of the LeNet step on 1 and 2 threads, each named by its layer and the operation it called', async () => {
    const profile = await profileStep({ threads: [1, 2], steps: 2 });
    const byLabel = new Map(profile.calls.map((c) => [c.label, c]));
    // The labels follow the step's own calls: a label on the wrong call would name another operation.
    expect(byLabel.get('conv1 forward')?.op).toBe('conv2d');
    expect(byLabel.get('pool2 backward')?.op).toBe('avgPool2dBackward');
    expect(byLabel.get('conv1 backward')?.op).toBe('conv2dBackward');
    expect(byLabel.get('fc1 backward')?.op).toBe('linearBackward');
    expect(profile.calls.at(-1)?.op).toBe('sgd');
    for (const c of profile.calls) for (const ms of c.ms) expect(ms, c.label).toBeGreaterThan(0);
    // The step contains its calls: its median is at least most of their sum.
    profile.stepMs.forEach((step, i) => expect(step).toBeGreaterThan(0.8 * profile.calls.reduce((s, c) => s + c.ms[i], 0)));
    const table = formatStepProfile(profile, 2);
    expect(table).toMatch(/conv2 backward \(conv2dBackward\)\s+[\d.]+\s+[\d.]+\s+[\d.]+x/);
    expect(table).toMatch(/outside the calls/);
  }, 60_000);

  it('refuses thread counts and step counts that are not positive integers, saying what it got', async () => {
    await expect(profileStep({ threads: [0], steps: 2 })).rejects.toThrow(/threads must be positive integers \(e\.g\. 1,2\).*got threads 0/);
    await expect(profileStep({ threads: [1], steps: 0 })).rejects.toThrow(/steps a positive integer; got threads 1 and steps 0/);
  });
});
