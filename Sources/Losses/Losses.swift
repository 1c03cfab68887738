import LossCore
