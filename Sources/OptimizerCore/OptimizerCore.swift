// OptimizerCore
