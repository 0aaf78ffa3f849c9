"""medgrade trainer: pretrain, fine-tune, evaluate and export vision-language report models."""

__version__ = "0.1.0"
