// swift-tools-version:6.0
//
// LossCheck: a Double reference of every Keras 3 loss, optimised Float32 kernels, and a
// property-based engine that checks one against the other. No package dependencies.
//
// Dependency arrows point one way:
//   losscheck → LossCheck → {Losses, LossReference, PropertyCheck} → LossCore
//   Losses → _LossesAVX2 (C: AVX2 and FMA loops chosen at run time)
// (PropertyCheck depends on nothing but the standard library.)

import PackageDescription

let package = Package(
  name: "LossCheck",
  products: [
    .library(name: "LossCore", targets: ["LossCore"]),
    .library(name: "LossReference", targets: ["LossReference"]),
    .library(name: "Losses", targets: ["Losses"]),
    .library(name: "PropertyCheck", targets: ["PropertyCheck"]),
    .library(name: "LossCheck", targets: ["LossCheck"]),
    .executable(name: "losscheck", targets: ["losscheck"]),
  ],
  targets: [
    // MARK: - Public API

    /// The shared vocabulary: tensors, loss identifiers and options, reductions, errors. No arithmetic.
    .target(name: "LossCore"),

    /// The Double-precision reference of every Keras loss: the ground truth.
    .target(
      name: "LossReference",
      dependencies: ["LossCore"],
      path: "Reference/LossReference"),

    /// Optimised Float32 kernels.
    .target(name: "Losses", dependencies: ["LossCore", "_LossesAVX2"]),

    /// The property-based testing engine: generation with integrated shrinking.
    .target(name: "PropertyCheck"),

    /// The verification layer: conformance vectors, catalogue of properties, `verify`.
    .target(
      name: "LossCheck",
      dependencies: ["LossCore", "LossReference", "Losses", "PropertyCheck"]),

    /// The command-line tool: the main job, conformance, bench, fuzz, replay.
    .executableTarget(
      name: "losscheck",
      dependencies: ["LossCheck", "LossCore", "LossReference", "Losses", "PropertyCheck"]),

    // MARK: - Implementation details

    /// The AVX2 and FMA loops of the hottest kernels, chosen at run time by `Losses` (C: Swift
    /// cannot compile one function for a CPU feature the rest of the build does not assume).
    .target(name: "_LossesAVX2"),

    // MARK: - Unit test bundles

    .testTarget(name: "LossCoreTests", dependencies: ["LossCore"]),
    .testTarget(name: "LossReferenceTests", dependencies: ["LossReference", "LossCore"]),
    .testTarget(
      name: "LossesTests", dependencies: ["Losses", "_LossesAVX2", "LossCore", "LossReference", "PropertyCheck"]),
    .testTarget(name: "PropertyCheckTests", dependencies: ["PropertyCheck"]),
    .testTarget(
      name: "LossCheckTests",
      dependencies: ["LossCheck", "LossCore", "LossReference", "Losses", "PropertyCheck"]),
  ]
)
