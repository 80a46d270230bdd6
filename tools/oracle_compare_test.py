"""Tests of oracle_compare: last-bit differences of computed values pass, real changes do not."""

import sys
import unittest

import oracle_compare


def tolerance_at(path, node):
    if path.endswith("/expected") and "rtol" in node:
        return oracle_compare.case_tolerance(node, "rtol", "atol")
    return None


def case(expected, args=(1.5, 2.0), rtol=1e-6, atol=0.0, shape=(2,)):
    return {"name": "c", "args": [{"data": list(args), "shape": [2]}],
            "expected": {"dtype": "float64", "shape": list(shape), "data": list(expected)},
            "rtol": rtol, "atol": atol}


class FirstDifference(unittest.TestCase):
    def check(self, committed, fresh):
        return oracle_compare.first_difference([committed], [fresh], tolerance_at)

    def test_identical_cases_agree(self):
        self.assertIsNone(self.check(case([1.0, "nan"]), case([1.0, "nan"])))

    def test_a_last_bit_difference_in_a_computed_value_agrees(self):
        # The float64 matmul that differed between two CPUs: 1 ulp apart.
        self.assertIsNone(self.check(case([-3.4324, 2.0117000000000003]), case([-3.4323999999999995, 2.0116999999999994])))

    def test_a_change_beyond_a_quarter_of_the_tolerance_is_stale(self):
        self.assertEqual(self.check(case([1.0, 2.0]), case([1.0 + 3e-7, 2.0])), "[0]/expected/data[0]")

    def test_exact_cases_stay_exact(self):
        self.assertIsNotNone(self.check(case([1.0, 2.0], rtol=0.0), case([1.0, 2.0000000000000004], rtol=0.0)))

    def test_inputs_agree_only_up_to_rounding(self):
        self.assertIsNone(self.check(case([1.0, 2.0], args=(1.5, 2.0)), case([1.0, 2.0], args=(1.5 + 1e-12, 2.0))))
        self.assertIsNotNone(self.check(case([1.0, 2.0], args=(1.5, 2.0)), case([1.0, 2.0], args=(1.6, 2.0))))

    def test_integers_shapes_and_structure_are_exact(self):
        self.assertIsNotNone(self.check(case([1.0, 2.0]), case([1.0, 2.0], shape=(1, 2))))
        self.assertIsNotNone(self.check(case([1.0, 2.0]), case([1.0, 2.0, 3.0])))
        self.assertIsNotNone(self.check(case([1.0, "nan"]), case([1.0, "inf"])))
        extra = case([1.0, 2.0])
        extra["signed_zeros"] = True
        self.assertIsNotNone(self.check(case([1.0, 2.0]), extra))

    def test_a_tolerance_per_step_counts_with_its_largest_value(self):
        self.assertEqual(oracle_compare.case_tolerance({"r": 1e-5, "a": [1e-7, 4e-7]}, "r", "a"), (2.5e-6, 1e-7))


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False).result.wasSuccessful() else 1)
