"""Training of the demo networks on the phantom cache (see ``uniseg_tools/README.md``).

- ``losses``: Dice + cross-entropy (binary per task, multi-class per clNet head)
- ``ema``: exponential moving average of the weights
- ``schedule``: linear warm-up + cosine learning rate, Gumbel temperature annealing
- ``routing``: per-task router inputs and straight-through Gumbel-softmax
- ``checkpoint``: atomic checkpoint files and RNG states
- ``models``: building the networks and the adapters the loop drives
- ``validate``: sliding-window Dice on held-out phantoms
- ``loop``: the trainer
"""
