/// Which framework's defaults, names and update formulas a session follows (SPEC §2).
public enum Convention: String, CaseIterable, Sendable, Hashable {
    /// Keras 3 `keras.optimizers.*`: epsilon-hat Adam, epsilon inside the square root for Adagrad
    /// and RMSprop, decoupled `weight_decay`, the base-optimizer options (clipping, EMA, ...).
    case keras
    /// torch.optim: eps outside the square root, L2 `weight_decay` folded into the gradient
    /// (decoupled for AdamW), `lr_decay`, `dampening`, `maximize`.
    case pytorch
}

/// The five optimizers optd serves.
public enum OptimizerKind: String, CaseIterable, Sendable, Hashable {
    case sgd, adagrad, rmsprop, adam, adamw
}
