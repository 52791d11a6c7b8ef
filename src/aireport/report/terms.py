"""The house spelling of names the reports use often: one spelling per name across a report.

Each entry is the spelling to use and the other spellings seen in sources.
Any capitalisation other than the house one is also caught, so only
different forms (spaces, hyphens, other names) need listing. Keep the list
small and true: a name belongs here when its owner spells it so.
"""

from __future__ import annotations

TERMS: dict[str, tuple[str, ...]] = {
    "AlphaFold2": ("AlphaFold 2", "AlphaFold-2"),
    "AlphaFold": (),
    "AlphaGo": ("Alpha Go",),
    "ChatGPT": ("Chat GPT",),
    "DeepMind": ("Deep Mind",),
    "Facebook": ("Face Book",),
    "GitHub": (),
    "GPT-2": ("GPT2", "GPT 2"),
    "GPT-3": ("GPT3", "GPT 3"),
    "GPT-4": ("GPT4", "GPT 4"),
    "Midjourney": (),
    "NVIDIA": (),  # in Chinese text the company is 英伟达; both are house style
    "英伟达": ("辉达",),
    "OpenAI": ("Open AI",),
    "PyTorch": (),
    "Stable Diffusion": ("StableDiffusion",),
    "TensorFlow": ("Tensor Flow",),
    "YouTube": (),
}
