"""PyTorch's side of `npm run peers`: the chapter's LeNet training step and its two conv layers, timed.

Usage: python pytorch.py THREADS SECONDS. Prints one JSON object: torch's version, the thread count,
and per item the median milliseconds of a call (items: step, conv1/conv2 forward and forward+backward).
The shapes, the net and the step are the bench's (bench/cases.ts) and the chapter's: sigmoid, average
pooling, Xavier init, SGD lr 0.9, batch 256. PyTorch is a peer here, never a dependency of the project.
"""
import json, statistics, sys, time

import torch
from torch import nn
import torch.nn.functional as F

threads, seconds = int(sys.argv[1]), float(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
BATCH = 256


def median_ms(call, budget=seconds):
    for _ in range(3):
        call()  # warm up (oneDNN picks its kernels on the first calls)
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < budget or len(times) < 5:
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))
for m in net:
    if isinstance(m, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(m.weight)
optimizer = torch.optim.SGD(net.parameters(), lr=0.9)
loss_fn = nn.CrossEntropyLoss()
x = torch.rand(BATCH, 1, 28, 28)
labels = torch.randint(0, 10, (BATCH,))


def step():
    optimizer.zero_grad()
    loss_fn(net(x), labels).backward()
    optimizer.step()


def conv(x_shape, w_shape, padding):
    xs = torch.rand(*x_shape, requires_grad=True)  # dx too, as the harness's conv2dBackward computes it
    w = torch.rand(*w_shape, requires_grad=True)
    b = torch.rand(w_shape[0], requires_grad=True)
    with torch.no_grad():
        dy = torch.rand_like(F.conv2d(xs, w, b, padding=padding))

    def forward():
        with torch.no_grad():
            F.conv2d(xs, w, b, padding=padding)

    def forward_backward():
        xs.grad = w.grad = b.grad = None
        F.conv2d(xs, w, b, padding=padding).backward(dy)

    return forward, forward_backward


conv1 = conv((BATCH, 1, 28, 28), (6, 1, 5, 5), 2)
conv2 = conv((BATCH, 6, 14, 14), (16, 6, 5, 5), 0)
print(json.dumps({
    "torch": torch.__version__, "threads": threads,
    "ms": {
        "step": median_ms(step),
        "conv1 forward": median_ms(conv1[0]), "conv1 forward+backward": median_ms(conv1[1]),
        "conv2 forward": median_ms(conv2[0]), "conv2 forward+backward": median_ms(conv2[1]),
    },
}))
