#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossCore
import PropertyCheck

// The closed-form edge values: Keras's float32 saturation constants and the other values the clip
// bounds and norm floors fix exactly. Each expected value is a formula of this file in Double with
// the float32 constants eps = Float(1e-7) and 1 − eps = 1 − 2⁻²³.
extension EdgeCases {
  static func constants(of loss: Loss, reductions: [Reduction]) -> [LossProperty] {
    switch loss {
    case .binaryCrossentropy(false, let ls, let axis):
      return binarySaturation(loss, "BCE", labelSmoothing: ls, axis: axis, reductions: reductions) { t, p, _ in
        binaryCrossentropy(t, p)
      } + kerasVectors(loss, reductions: reductions)
    case .binaryCrossentropy(true, let ls, let axis):
      return [binaryLogitTails(loss, labelSmoothing: ls, axis: axis, reductions: reductions)]
    case .binaryFocalCrossentropy(let balancing, let alpha, let gamma, let fromLogits, let ls, let axis):
      let a = Double(Float(alpha))
      let g = Double(Float(gamma))
      let name = "binary focal crossentropy" + (fromLogits ? " from logits" : "")
      return binarySaturation(
        loss, name, labelSmoothing: ls, axis: axis, fromLogits: fromLogits, reductions: reductions
      ) { t, p, q in
        // p is σ(x) for logits and q = 1 − p = σ(−x), without cancellation; 1 − p_t uses the
        // unclipped p.
        let oneMinusPt = t * q + (1 - t) * p
        let weight = balancing ? t * a + (1 - t) * (1 - a) : 1
        let bce = binaryCrossentropy(t, p)
        let value = weight * pow(oneMinusPt, g) * bce.value
        return (value, abs(weight) * pow(oneMinusPt, g) * bce.scale * (2 + 17 * g))
      }
    case .categoricalCrossentropy(let fromLogits, let ls, let axis):
      return categorical(loss, "CCE", fromLogits: fromLogits, axis: axis, reductions: reductions) { t, p in
        crossentropy(smoothCategorical(t, ls), p, fromLogits: fromLogits, alpha: nil, gamma: 0)
      } + kerasVectors(loss, reductions: reductions)
    case .categoricalFocalCrossentropy(let alpha, let gamma, let fromLogits, let ls, let axis):
      let g = Double(Float(gamma))
      let a = alpha.map { Double(Float($0)) }
      return categorical(
        loss, "categorical focal crossentropy", fromLogits: fromLogits, axis: axis, reductions: reductions
      ) { t, p in
        crossentropy(smoothCategorical(t, ls), p, fromLogits: fromLogits, alpha: a, gamma: g)
      }
    case .sparseCategoricalCrossentropy(let fromLogits, let ignoreClass, -1):
      return sparse(loss, fromLogits: fromLogits, ignoreClass: ignoreClass, reductions: reductions)
    case .categoricalGeneralizedCrossEntropy(let q):
      return [generalizedCrossentropy(loss, q: Double(Float(q)), reductions: reductions)]
    case .klDivergence:
      return klDivergence(loss, reductions: reductions) + kerasVectors(loss, reductions: reductions)
    case .poisson:
      return [poissonSaturation(loss, reductions: reductions)] + kerasVectors(loss, reductions: reductions)
    case .meanAbsolutePercentageError:
      return [percentageFloor(loss, reductions: reductions)] + kerasVectors(loss, reductions: reductions)
    case .meanSquaredLogarithmicError:
      return [logarithmicClamp(loss, reductions: reductions)]
    case .logCosh:
      return [logCoshTails(loss, reductions: reductions)] + kerasVectors(loss, reductions: reductions)
    case .cosineSimilarity(let axis):
      return [cosineNormFloor(loss, axis: axis, reductions: reductions)]
    case .dice(let axis), .tversky(_, _, let axis):
      return [overlapOfZeros(loss, axis: axis, reductions: reductions)]
    case .circle:
      return [circleWithoutPairs(loss, reductions: reductions)]
    default:
      return []
    }
  }

  // MARK: - Binary crossentropies

  /// The four clip-bound values of a binary crossentropy, for rows of one label: BCE(y = 1, p ≤ eps)
  /// = −log(eps) = 16.118095, BCE(y = 0, p ≥ 1 − eps) = 23·ln 2 = 15.942385, BCE(y = 1, p ≥ 1 − eps)
  /// = −log(1 − 2⁻²³) = 1.1920929e-07 and BCE(y = 0, p ≤ eps) = −log1p(−eps) = 1.0000000617e-07.
  ///
  /// The last is the project's semantics (float32 constants, exact arithmetic, log1p): Keras's float32
  /// rounds 1 − eps to 1 − 2⁻²³ before the log and gives 1.1920929e-07 there (torch: 1.0000000827e-07).
  /// With label smoothing ls the target is t = y(1 − ls) + ls/2 and the value t·A + (1 − t)·B of the
  /// two constants of that p. From logits (focal only: Keras applies σ and then the clipped
  /// probability path) x ≤ −17 has σ(x) < eps and x ≥ 17 has σ(x) > 1 − 2⁻²³, so the same constants
  /// follow.
  static func binarySaturation(
    _ loss: Loss, _ name: String, labelSmoothing: Double, axis: Int, fromLogits: Bool = false,
    reductions: [Reduction], _ term: @escaping @Sendable (Double, Double, Double) -> (Double, Double)
  ) -> [LossProperty] {
    let logitsBelow: Gen<Float> = Gen<Float>.oneOf(
      Gen<Float>.element(of: [-1e4, -100, -17]), Gen<Float>.float(in: -1e4 ... -17))
    let logitsAbove: Gen<Float> = Gen<Float>.oneOf(Gen<Float>.element(of: [1e4, 100, 17]), Gen<Float>.float(in: 17...1e4))
    let low: Gen<Float> = fromLogits ? logitsBelow : belowEps
    let high: Gen<Float> = fromLogits ? logitsAbove : aboveOneMinusEps
    let (lowText, highText) = fromLogits ? ("x ≤ −17", "x ≥ 17") : ("p ≤ eps", "p ≥ 1 − eps")
    let smoothing = labelSmoothing == 0 ? "" : " (label smoothing \(labelSmoothing): t·A + (1 − t)·B)"
    let cases: [(String, Float, Gen<Float>, String)] = [
      ("saturates at −log(eps) = 16.118095 for \(lowText), y = 1", 1, low, "−log(Float(1e-7))"),
      ("saturates at −log(2⁻²³) = 15.942385 for \(highText), y = 0", 0, high, "−log(1 − (1 − 2⁻²³)) = 23·ln 2"),
      ("is −log(1 − 2⁻²³) = 1.1920929e-07 for \(highText), y = 1", 1, high, "−log(1 − 2⁻²³)"),
      (
        "is −log1p(−eps) = 1.0000000617e-07 for \(lowText), y = 0 (Keras float32: 1.1920929e-07)", 0, low,
        "−log1p(−Float(1e-7)), the project's semantics; Keras's float32 log(1 − p) gives 1.1920929e-07"
      ),
    ]
    return cases.map { text, y, predictions, formula in
      let row: @Sendable (Int) -> Gen<Row> = { length in
        predictions.array(count: length).map { ps in
          let t = smoothBinary(Double(y), labelSmoothing)
          let terms = ps.map { x -> (Double, Double) in
            fromLogits ? term(t, sigmoid(Double(x)), sigmoid(-Double(x))) : term(t, Double(x), 1 - Double(x))
          }
          return Row(
            y: Array(repeating: y, count: length), p: ps, value: mean(terms.map(\.0)), scale: mean(terms.map(\.1)))
        }
      }
      return known(
        "\(name) \(text)",
        "every element of each row has y = \(y) and a prediction clipped to the same bound, so "
          + "each per-sample value is \(formula)\(smoothing) (focal: times the modulating factor and class weight); "
          + "bound 2 ULP + (3 + n)u·Σ|terms| + 2⁻¹²⁶",
        batches(of: row, length: 1...4, axis: axis, reductions: reductions), loss: loss)
    }
  }

  /// BCE from logits far in the tails: t·softplus(−x) + (1 − t)·softplus(x), exact and finite.
  static func binaryLogitTails(_ loss: Loss, labelSmoothing: Double, axis: Int, reductions: [Reduction]) -> LossProperty {
    let logits = Gen.oneOf(
      Gen.element(of: [Float(-100), -20, 0, 20, 100, -1e4, 1e4, -88.72, 88.72, -103.97, 103.97]),
      Gen.float(in: -1e4...1e4))
    let row: @Sendable (Int) -> Gen<Row> = { length in
      zip(Gen.element(of: [Float(1), 0]).array(count: length), logits.array(count: length)).map { ys, xs in
        let terms = zip(ys, xs).map { y, x -> (Double, Double) in
          let t = smoothBinary(Double(y), labelSmoothing)
          let value = t * softplus(-Double(x)) + (1 - t) * softplus(Double(x))
          // With a soft target the Float formula max(x, 0) − x·t + log1p(e^−|x|) rounds x·t.
          return (value, value + (t == 0 || t == 1 ? 0 : abs(Double(x))))
        }
        return Row(y: ys, p: xs, value: mean(terms.map(\.0)), scale: mean(terms.map(\.1)))
      }
    }
    return known(
      "BCE from logits is exact in the tails (y = 1, x = [−100, −20, 0, 20, 100] → [100, 20, 0.69314718, 2.0611537e-09, 0])",
      "t·softplus(−x) + (1 − t)·softplus(x) for logits up to ±1e4 and y in {0, 1}: finite, no saturation; the "
        + "bound's 2⁻¹²⁶ admits Keras's 0 for the 3.7e-44 of x = 100, y = 1",
      batches(of: row, length: 1...3, axis: axis, reductions: reductions), loss: loss)
  }

  static func sigmoid(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
  }

  static func mean(_ values: [Double]) -> Double {
    values.reduce(0, +) / Double(Swift.max(values.count, 1))
  }

  // MARK: - Categorical crossentropies

  /// −Σ t_c·log o_c (times α_c·(1 − o_c)^γ for the focal loss), o = clip(p/Σp, eps, 1 − eps) or, from
  /// logits, log o = x − logsumexp(x) (the focal loss takes softmax(x) through the clipped path).
  static func crossentropy(
    _ t: [Double], _ p: [Double], fromLogits: Bool, alpha: [Double]?, gamma: Double
  ) -> (Double, Double) {
    if fromLogits && alpha == nil {
      let lse = logSumExp(p)
      let value = zip(t, p).reduce(0.0) { $0 + $1.0 * (lse - $1.1) }
      let scale = zip(t, p).reduce(0.0) { $0 + abs($1.0) * (abs(lse) + abs($1.1)) }
      return (value, scale)
    }
    var probabilities = p
    if fromLogits {
      let lse = logSumExp(p)
      probabilities = p.map { exp($0 - lse) }
    }
    let total = probabilities.reduce(0, +)
    guard total != 0 else { return (.nan, 0) }  // p/Σp is 0/0, as in Keras
    let o = probabilities.map { clip($0 / total) }
    var value = 0.0
    var scale = 0.0
    for c in t.indices {
      var factor = 1.0
      if let alpha { factor = (alpha.count == 1 ? alpha[0] : alpha[c % alpha.count]) * pow(1 - o[c], gamma) }
      value += factor * -t[c] * log(o[c])
      scale += abs(factor * t[c]) * (1 + abs(log(o[c]))) * (alpha == nil ? 1 : 2 + 17 * gamma)
    }
    return (value, scale)
  }

  /// Rows of C classes with a one-hot target: the true class's probability 0 (saturation), the
  /// prediction certain and correct, an all-zero prediction row (NaN), and, from logits, logits far in
  /// the tails.
  static func categorical(
    _ loss: Loss, _ name: String, fromLogits: Bool, axis: Int, reductions: [Reduction],
    _ value: @escaping @Sendable ([Double], [Double]) -> (Double, Double)
  ) -> [LossProperty] {
    func property(_ text: String, _ summary: String, _ prediction: @escaping @Sendable (Int, Int) -> Gen<[Float]>)
      -> LossProperty
    {
      let row: @Sendable (Int) -> Gen<Row> = { classes in
        Gen.int(in: 0..<classes).flatMap { label in
          prediction(classes, label).map { p in
            let y = (0..<classes).map { Float($0 == label ? 1 : 0) }
            let (v, s) = value(y.map(Double.init), p.map(Double.init))
            return Row(y: y, p: p, value: v, scale: s)
          }
        }
      }
      return known("\(name) \(text)", summary, batches(of: row, length: 2...5, axis: axis, reductions: reductions), loss: loss)
    }
    if fromLogits {
      let logits = Gen.element(of: [Float(-1e4), 1e4, -100, 100, -20, 20, 0, -17, 3])
      return [
        property(
          "from logits is exact at logits of ±1e4",
          "Σ t_c·(logsumexp(x) − x_c) (focal: softmax, then the clipped path) for logits in ±{1e4, 100, 20, 17, 3, 0}: "
            + "finite; a zero row gives log C. Bound 2 ULP + (3 + n)u·Σ t_c(|lse| + |x_c|)"
        ) { classes, _ in logits.array(count: classes) }
      ]
    }
    let others = Gen.float(in: 0...1)
    return [
      property(
        "saturates at −log(eps) = 16.118095 for p = 0 on the true class",
        "the true class's renormalised probability is below eps and clips to it: −log(Float(1e-7)) (CCE([0, 1, 0], "
          + "[1, 0, 0]) = 16.118095); smoothing and focal factors as in Keras. Bound 2 ULP + (3 + n)u·Σ|terms|"
      ) { classes, label in
        zip(Gen.float(in: 0...Float.leastNormalMagnitude), others.array(count: classes)).map { tiny, p in
          var p = p
          p[label] = tiny
          p[(label + 1) % classes] = Swift.max(p[(label + 1) % classes], 0.25)
          return p
        }
      },
      property(
        "of a certain correct prediction is −log(1 − 2⁻²³) = 1.1920929e-07",
        "p = s·one_hot(y), s in (0, 1]: o clips to 1 − 2⁻²³ on the true class and eps elsewhere. "
          + "Bound 2 ULP + (3 + n)u·Σ|terms|"
      ) { classes, label in
        Gen.element(of: [Float(1), 0.5, 1e-30, Float.leastNonzeroMagnitude]).map { s in
          (0..<classes).map { $0 == label ? s : 0 }
        }
      },
      property(
        "of an all-zero prediction row is NaN, as in Keras",
        "p/Σp is 0/0 (keras#1429): the sample's loss and every reduction of it are NaN"
      ) { classes, _ in Gen.constant(Array(repeating: 0, count: classes)) },
    ]
  }

  /// SCCE with labels: saturation at p_t = 0, a certain prediction, all-zero rows (NaN unless ignored),
  /// and logits far in the tails; ignored entries are 0 and masked out.
  static func sparse(_ loss: Loss, fromLogits: Bool, ignoreClass: Int?, reductions: [Reduction]) -> [LossProperty] {
    func property(_ text: String, _ summary: String, _ prediction: @escaping @Sendable (Int, Int) -> Gen<[Float]>)
      -> LossProperty
    {
      let generator = zip(Gen.int(in: 1...4), Gen.int(in: 2...5), Gen.element(of: reductions)).flatMap {
        batch, classes, reduction in
        let label = ignoreClass.map { ignored in
          Gen.frequency([(3, Gen.int(in: 0..<classes)), (1, .constant(ignored))])
        } ?? Gen.int(in: 0..<classes)
        let row = label.flatMap { label in prediction(classes, label).map { (label, $0) } }
        return row.array(count: batch).map { rows in
          let mask = ignoreClass.map { ignored in rows.map { $0.0 != ignored } }
          let values = rows.map { label, p -> (Double, Double) in
            if label == ignoreClass { return (0, 0) }
            let t = (0..<classes).map { Double($0 == label ? 1 : 0) }
            return crossentropy(t, p.map(Double.init), fromLogits: fromLogits, alpha: nil, gamma: 0)
          }
          return Known(
            input: LossInput(
              yTrue: Tensor(rows.map { Float($0.0) }),
              yPred: try! Tensor(shape: [batch, classes], scalars: rows.flatMap(\.1)), reduction: reduction),
            sampleShape: [batch], expected: values.map(\.0), scales: values.map(\.1), mask: mask)
        }
      }
      return known("SCCE \(text)", summary, generator, loss: loss)
    }
    let ignored = ignoreClass.map { " Entries labelled \($0) are 0 and masked out (sum_over_batch_size divides by the valid count)." } ?? ""
    if fromLogits {
      let logits = Gen.element(of: [Float(-1e4), 1e4, -100, 100, -20, 20, 0, -17, 3])
      return [
        property(
          "from logits is exact at logits of ±1e4",
          "logsumexp(x) − x_t for logits in ±{1e4, 100, 20, 17, 3, 0}: finite.\(ignored) "
            + "Bound 2 ULP + (3 + n)u·(|lse| + |x_t|)"
        ) { classes, _ in logits.array(count: classes) }
      ]
    }
    let others = Gen.float(in: 0...1)
    return [
      property(
        "saturates at −log(eps) = 16.118095 for p = 0 on the labelled class",
        "the labelled class's renormalised probability clips to eps: −log(Float(1e-7)).\(ignored) "
          + "Bound 2 ULP + (3 + n)u·|value|"
      ) { classes, label in
        zip(Gen.float(in: 0...Float.leastNormalMagnitude), others.array(count: classes)).map { tiny, p in
          var p = p
          let l = Swift.max(label, 0) % classes
          p[l] = tiny
          p[(l + 1) % classes] = Swift.max(p[(l + 1) % classes], 0.25)
          return p
        }
      },
      property(
        "of a certain correct prediction is −log(1 − 2⁻²³) = 1.1920929e-07",
        "p = one_hot(y): o_t clips to 1 − 2⁻²³.\(ignored)"
      ) { classes, label in
        Gen.constant((0..<classes).map { $0 == label ? Float(1) : 0 })
      },
      property(
        "of an all-zero prediction row is NaN" + (ignoreClass == nil ? "" : " unless the entry is ignored"),
        "p/Σp is 0/0, as in Keras" + (ignoreClass == nil ? "" : "; an ignored entry is 0 all the same (Keras's "
          + "where removes the NaN) and the reduction of valid NaNs is NaN")
      ) { classes, _ in Gen.constant(Array(repeating: 0, count: classes)) },
    ]
  }

  /// GCE at p_t in {0, 1} (and subnormal): (1 − p_t^q)/q = 1/q and 0, with q rounded to Float.
  static func generalizedCrossentropy(_ loss: Loss, q: Double, reductions: [Reduction]) -> LossProperty {
    let generator = zip(Gen.int(in: 1...4), Gen.int(in: 2...5), Gen.element(of: reductions)).flatMap {
      batch, classes, reduction in
      zip(Gen.int(in: 0..<classes), Gen.int(in: 0..<classes), Gen.element(of: [Float(1), 0, .leastNonzeroMagnitude]))
        .array(count: batch).map { rows in
          let p = rows.flatMap { label, hot, value in
            (0..<classes).map { $0 == hot ? (hot == label ? value : 1) : 0 }
          }
          let values = rows.map { label, hot, value -> Double in
            let pt = Double(hot == label ? value : 0)
            return (1 - pow(pt, q)) / q
          }
          return Known(
            input: LossInput(
              yTrue: Tensor(rows.map { Float($0.0) }), yPred: try! Tensor(shape: [batch, classes], scalars: p),
              reduction: reduction),
            sampleShape: [batch], expected: values, scales: values.map { _ in 2 / q })
        }
    }
    return known(
      "generalized crossentropy is 1/q at p_t = 0 and 0 at p_t = 1",
      "(1 − p_t^q)/q with no clipping, q = Float(\(q)): 1/q at p_t = 0, 0 at p_t = 1, finite at a subnormal p_t. "
        + "Bound 2 ULP + (3 + n)u·2/q",
      generator, loss: loss)
  }

  // MARK: - Divergences and regression

  /// KLD with both sides clipped to [eps, 1]: saturation at p = 0 on a certain target, and zero targets.
  static func klDivergence(_ loss: Loss, reductions: [Reduction]) -> [LossProperty] {
    @Sendable func kld(_ y: [Float], _ p: [Float]) -> (Double, Double) {
      var value = 0.0
      var scale = 0.0
      for (y, p) in zip(y, p) {
        let yc = Swift.min(Swift.max(Double(y), eps), 1)
        let pc = Swift.min(Swift.max(Double(p), eps), 1)
        value += yc * log(yc / pc)
        scale += yc * (1 + abs(log(yc / pc)))
      }
      return (value, scale)
    }
    let saturated: @Sendable (Int) -> Gen<Row> = { classes in
      zip(Gen.int(in: 0..<classes), belowEps, Gen.float(in: 0...1).array(count: classes)).map { label, tiny, p in
        var p = p
        p[label] = tiny
        let y = (0..<classes).map { Float($0 == label ? 1 : 0) }
        let (value, scale) = kld(y, p)
        return Row(y: y, p: p, value: value, scale: scale)
      }
    }
    let zeros: @Sendable (Int) -> Gen<Row> = { classes in
      Gen.oneOf(Gen.constant(0), Gen.float(in: 0...1)).array(count: classes).map { p in
        let y = Array(repeating: Float(0), count: classes)
        let (value, scale) = kld(y, p)
        return Row(y: y, p: p, value: value, scale: scale)
      }
    }
    return [
      known(
        "KLD saturates at log(1/eps) for p = 0 on a certain target (KLD([0, 1], [0.5, 0]) = 16.118093)",
        "Σ y_c·log(y_c/p_c) with both clipped to [eps, 1]: the true class gives −log(eps), each zero target "
          + "eps·log(eps/p_c). Bound 2 ULP + (3 + n)u·Σ y_c(1 + |log(y_c/p_c)|)",
        batches(of: saturated, length: 2...5, reductions: reductions), loss: loss),
      known(
        "KLD clips zero targets to eps (all-zero rows give Σ eps·log(eps/p))",
        "an all-zero target row contributes Σ eps·log(eps/clip(p)): 0 against zero predictions, down to "
          + "−1.6e-6·C against ones. Bound 2 ULP + (3 + n)u·Σ y_c(1 + |log(y_c/p_c)|)",
        batches(of: zeros, length: 1...5, reductions: reductions), loss: loss),
    ]
  }

  /// Poisson at p = 0: mean of p − y·log(p + eps) = y·16.118095.
  static func poissonSaturation(_ loss: Loss, reductions: [Reduction]) -> LossProperty {
    let row: @Sendable (Int) -> Gen<Row> = { length in
      zip(Gen.float(in: 0...20).array(count: length), Gen.oneOf(Gen.constant(Float(0)), belowEps).array(count: length))
        .map { y, p in
          let terms = zip(y, p).map { y, p -> (Double, Double) in
            let logTerm = Double(y) * log(Double(p) + eps)
            return (Double(p) - logTerm, Double(p) + abs(logTerm))
          }
          return Row(y: y, p: p, value: mean(terms.map(\.0)), scale: mean(terms.map(\.1)))
        }
    }
    return known(
      "Poisson saturates at −y·log(eps) = y·16.118095 for p = 0 (Poisson(1, 0) = 16.118095)",
      "mean of p − y·log(p + eps) with p in [0, eps]: −y·log(eps) at p = 0. Bound 2 ULP + (3 + n)u·Σ|terms|",
      batches(of: row, length: 1...4, reductions: reductions), loss: loss)
  }

  /// MAPE divides by max(|y|, eps): y = 0 gives 100·|p|/eps.
  static func percentageFloor(_ loss: Loss, reductions: [Reduction]) -> LossProperty {
    let row: @Sendable (Int) -> Gen<Row> = { length in
      zip(
        Gen.element(of: [Float(0), -0.0, .leastNonzeroMagnitude, 1e-8, -1e-8, 2]).array(count: length),
        Gen.float(in: -100...100).array(count: length)
      ).map { y, p in
        let terms = zip(y, p).map { y, p in abs(Double(y) - Double(p)) / Swift.max(abs(Double(y)), eps) }
        let value = 100 * mean(terms)
        return Row(y: y, p: p, value: value, scale: value)
      }
    }
    return known(
      "MAPE divides by eps where |y| < eps (MAPE([0, 2], [1, 1]) = 5.0000003e8)",
      "100·mean |y − p|/max(|y|, eps) with eps = Float(1e-7). Bound 2 ULP + (3 + n)u·|value|",
      batches(of: row, length: 1...4, reductions: reductions), loss: loss)
  }

  /// MSLE clamps values ≤ eps to eps before log(x + 1).
  static func logarithmicClamp(_ loss: Loss, reductions: [Reduction]) -> LossProperty {
    let row: @Sendable (Int) -> Gen<Row> = { length in
      zip(Gen.float(in: -10...10).array(count: length), Gen.oneOf(Gen.float(in: -10...0), belowEps).array(count: length))
        .map { y, p in
          let terms = zip(y, p).map { y, p -> (Double, Double) in
            let a = log1p(Swift.max(Double(p), eps))
            let b = log1p(Swift.max(Double(y), eps))
            return ((a - b) * (a - b), 2 * abs(a - b) * (abs(a) + abs(b)))
          }
          return Row(y: y, p: p, value: mean(terms.map(\.0)), scale: mean(terms.map(\.1)))
        }
    }
    return known(
      "MSLE clamps predictions ≤ eps to eps (MSLE(1, −5) = (log1p(eps) − ln 2)²)",
      "mean of (log1p(max(p, eps)) − log1p(max(y, eps)))² with p ≤ eps: the project evaluates log(x + 1) as "
        + "log1p (0.48045288 for MSLE(1, −5); Keras's float32 log(1 + eps) gives 0.48045287, within the bound). "
        + "Bound 2 ULP + (3 + n)u·Σ 2|a − b|(|a| + |b|)",
      batches(of: row, length: 1...4, reductions: reductions), loss: loss)
  }

  /// log_cosh far out: |x| + log1p(e^−2|x|) − Float(ln 2), finite and linear.
  static func logCoshTails(_ loss: Loss, reductions: [Reduction]) -> LossProperty {
    let ln2 = Double(Float(M_LN2))
    let row: @Sendable (Int) -> Gen<Row> = { length in
      zip(
        Gen.float(in: -100...100).array(count: length),
        Gen.oneOf(Gen.element(of: [Float(100), -100, 1e4, -1e4, 1e30, -1e30, 88.73]), Gen.float(in: -1e30...1e30))
          .array(count: length)
      ).map { y, p in
        let terms = zip(y, p).map { y, p -> (Double, Double) in
          let x = Double(p) - Double(y)
          return (abs(x) + log1p(exp(-2 * abs(x))) - ln2, abs(x) + abs(Double(p)) + abs(Double(y)) + ln2)
        }
        return Row(y: y, p: p, value: mean(terms.map(\.0)), scale: mean(terms.map(\.1)))
      }
    }
    return known(
      "log_cosh stays finite and linear for large |x| (log_cosh(100) = 99.306854)",
      "|x| + log1p(e^−2|x|) − Float(ln 2) for x = p − y up to ±1e30 (Keras's x + softplus(−2x) − ln 2 without "
        + "overflow). Bound 2 ULP + (3 + n)u·(|x| + |p| + |y| + ln 2)",
      batches(of: row, length: 1...4, reductions: reductions), loss: loss)
  }

  /// Cosine similarity with a norm below eps: the vector is divided by eps, a zero vector gives 0.
  static func cosineNormFloor(_ loss: Loss, axis: Int, reductions: [Reduction]) -> LossProperty {
    let row: @Sendable (Int) -> Gen<Row> = { length in
      zip(
        Gen.float(in: -10...10).array(count: length),
        Gen.oneOf(Gen.constant(Float(0)), Gen.element(of: [Float(1e-8), -1e-8]), Gen.float(in: -1e-9...1e-9))
          .array(count: length)
      ).map { y, p in
        let norm = y.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let yNorm = Swift.max(norm, eps)
        let terms = zip(y, p).map { (Double($0) / yNorm) * (Double($1) / eps) }
        return Row(y: y, p: p, value: -terms.reduce(0, +), scale: terms.reduce(0) { $0 + abs($1) } + 2)
      }
    }
    return known(
      "cosine similarity floors the norm at eps (zero vectors give 0; [1e-8, 0] vs [1, 0] gives −0.1)",
      "−Σ ŷ·p/eps when ‖p‖ < eps (p zero or tiny): 0 for a zero vector. Bound 2 ULP + (3 + n)u·(Σ|ŷ·p̂| + 2)",
      batches(of: row, length: 1...4, axis: axis, reductions: reductions), loss: loss)
  }

  /// Dice and tversky with all-zero targets or predictions: the intersection is 0, so 1 − 0/(… + eps) = 1.
  static func overlapOfZeros(_ loss: Loss, axis: [Int]?, reductions: [Reduction]) -> LossProperty {
    let rank = (axis?.map { $0 < 0 ? -$0 : $0 + 1 }.max() ?? 1)...3
    let generator = zip(Gen.shape(rank: rank, dimension: 1...4), Gen.element(of: reductions), Gen.bool).flatMap {
      shape, reduction, zeroTargets in
      let count = shape.reduce(1, *)
      return Gen.float(in: 0...1).array(count: count).map { values in
        let zeros = Array(repeating: Float(0), count: count)
        let sampleShape = LossInputs.reducedShape(shape, axes: axis)
        let samples = sampleShape.reduce(1, *)
        return Known(
          input: LossInput(
            yTrue: try! Tensor(shape: shape, scalars: zeroTargets ? zeros : values),
            yPred: try! Tensor(shape: shape, scalars: zeroTargets ? values : zeros), reduction: reduction),
          sampleShape: sampleShape, expected: Array(repeating: 1, count: samples),
          scales: Array(repeating: 1, count: samples))
      }
    }
    return known(
      "\(loss.name == .dice ? "dice" : "tversky") is 1 when the targets or the predictions are all zero",
      "the intersection Σy·p is 0, so 1 − 0/(… + eps) = 1 exactly (all-zero y and p: 0/(0 + 0 + eps)). "
        + "Bound 2 ULP + (3 + n)u",
      generator, loss: loss)
  }

  /// Circle with no positive pairs (or no negative pairs): every row's loss is 0 and masked out.
  static func circleWithoutPairs(_ loss: Loss, reductions: [Reduction]) -> LossProperty {
    guard case .circle(_, _, let removeDiagonal) = loss else { preconditionFailure() }
    let generator = zip(Gen.int(in: 2...5), Gen.int(in: 1...4), Gen.element(of: reductions), Gen.bool).flatMap {
      batch, dimension, reduction, distinct in
      Gen.float(in: -1...1).array(count: batch * dimension).map { embeddings in
        let labels = (0..<batch).map { Float(distinct && removeDiagonal ? $0 : 7) }
        return Known(
          input: LossInput(
            yTrue: Tensor(labels), yPred: try! Tensor(shape: [batch, dimension], scalars: embeddings),
            reduction: reduction),
          sampleShape: [batch], expected: Array(repeating: 0, count: batch),
          scales: Array(repeating: 0, count: batch), mask: Array(repeating: false, count: batch))
      }
    }
    return known(
      "circle loss is 0 and masked out for a batch without positive (or negative) pairs",
      "one label for the whole batch (no negatives), or distinct labels with the diagonal removed (no positives): "
        + "a log-sum-exp over no pairs is −∞, softplus(−∞) = 0, and l > 0 masks every row, so every reduction is 0",
      generator, loss: loss)
  }

  // MARK: - Keras's published float32 values

  /// Keras's §10 vectors that lie on the clip bounds, as fixed inputs.
  static func kerasVectors(_ loss: Loss, reductions: [Reduction]) -> [LossProperty] {
    let reduction = reductions.contains(.none) ? Reduction.none : reductions[0]
    func vector(_ text: String, _ y: Tensor<Float>, _ p: Tensor<Float>, _ expected: [Double], sampleShape: [Int])
      -> LossProperty
    {
      let value = Known(
        input: LossInput(yTrue: y, yPred: p, reduction: reduction), sampleShape: sampleShape, expected: expected,
        scales: expected.map(abs))
      return known("Keras's float32 value \(text)", "a vector from Keras 3.15.1's float32 table (§10)", .constant(value), loss: loss)
    }
    switch loss {
    case .binaryCrossentropy(false, 0, -1):
      return [
        vector(
          "BCE(y = [1, 0, 1, 0], p = [0, 1, 1, 0]) = [16.118095, 15.942385, 1.1920929e-07, 1.0000000617e-07]",
          try! Tensor(shape: [4, 1], scalars: [1, 0, 1, 0]), try! Tensor(shape: [4, 1], scalars: [0, 1, 1, 0]),
          [minusLogEps, minusLogTwoPowMinus23, minusLogOneMinusEps, minusLog1pMinusEps], sampleShape: [4])
      ]
    case .categoricalCrossentropy(false, 0, -1):
      return [
        vector(
          "CCE([0, 1, 0], [1, 0, 0]) = 16.118095", try! Tensor(shape: [1, 3], scalars: [0, 1, 0]),
          try! Tensor(shape: [1, 3], scalars: [1, 0, 0]), [minusLogEps], sampleShape: [1])
      ]
    case .klDivergence:
      let value = eps * log(eps / 0.5) + minusLogEps
      return [
        vector(
          "KLD([0, 1], [0.5, 0]) = 16.118093", try! Tensor(shape: [1, 2], scalars: [0, 1]),
          try! Tensor(shape: [1, 2], scalars: [0.5, 0]), [value], sampleShape: [1])
      ]
    case .poisson:
      return [
        vector(
          "Poisson(1, 0) = 16.118095", try! Tensor(shape: [1, 1], scalars: [1]), try! Tensor(shape: [1, 1], scalars: [0]),
          [minusLogEps], sampleShape: [1])
      ]
    case .meanAbsolutePercentageError:
      return [
        vector(
          "MAPE([0, 2], [1, 1]) = 5.0000003e8", try! Tensor(shape: [1, 2], scalars: [0, 2]),
          try! Tensor(shape: [1, 2], scalars: [1, 1]), [100 * (1 / eps + 0.5) / 2], sampleShape: [1])
      ]
    case .logCosh:
      return [
        vector(
          "log_cosh(100) = 99.306854", try! Tensor(shape: [1, 1], scalars: [0]),
          try! Tensor(shape: [1, 1], scalars: [100]), [100 + log1p(exp(-200)) - Double(Float(M_LN2))], sampleShape: [1])
      ]
    default:
      return []
    }
  }
}
