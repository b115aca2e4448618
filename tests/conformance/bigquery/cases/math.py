"""Mathematical functions: division, rounding, logarithms, safe variants, buckets.

https://cloud.google.com/bigquery/docs/reference/standard-sql/mathematical_functions

Issue 11: `DIV(7 + 3, 2)` is 5 (the sum is the first argument). ROUND rounds
half away from zero; DIV truncates toward zero; MOD takes the sign of X.
"""

import math
from decimal import Decimal

from ._model import Case, doc, one

PAGE = doc("mathematical_functions")

CASES: list[Case] = [
    one("div_expression_argument", "SELECT DIV(7 + 3, 2)", 5, PAGE + "#div", types=["INT64"]),
    one("div_exact", "SELECT DIV(20, 4)", 5, PAGE + "#div"),
    one("div_truncates_negative", "SELECT DIV(-7, 2)", -3, PAGE + "#div"),
    one("div_negative_divisor", "SELECT DIV(12, -7)", -1, PAGE + "#div"),
    one("div_numeric", "SELECT DIV(NUMERIC '7', 2)", Decimal("3"), PAGE + "#div"),
    Case("div_by_zero", "SELECT DIV(1, 0)", source=PAGE + "#div", expect_error="division by zero"),
    one("mod_positive", "SELECT MOD(25, 12)", 1, PAGE + "#mod"),
    one("mod_sign_of_dividend", "SELECT MOD(-25, 12)", -1, PAGE + "#mod"),
    one("mod_negative_divisor", "SELECT MOD(25, -12)", 1, PAGE + "#mod"),
    one("mod_numeric", "SELECT MOD(NUMERIC '5.5', NUMERIC '2')", Decimal("1.5"), PAGE + "#mod"),
    Case("mod_by_zero", "SELECT MOD(1, 0)", source=PAGE + "#mod", expect_error="division by zero"),
    one("slash_on_integers_is_float", "SELECT 10 / 4", 2.5, doc("operators") + "#arithmetic_operators"),
    Case("slash_by_zero", "SELECT 1 / 0", source=doc("operators") + "#arithmetic_operators",
         expect_error="division by zero"),
    one("ieee_divide", "SELECT IEEE_DIVIDE(20, 4)", 5.0, PAGE + "#ieee_divide"),
    one("ieee_divide_by_zero", "SELECT IEEE_DIVIDE(1, 0)", math.inf, PAGE + "#ieee_divide"),
    one("ieee_divide_negative_by_zero", "SELECT IEEE_DIVIDE(-1, 0)", -math.inf, PAGE + "#ieee_divide"),
    one("ieee_divide_zero_by_zero", "SELECT IEEE_DIVIDE(0, 0)", math.nan, PAGE + "#ieee_divide"),
    one("safe_divide", "SELECT SAFE_DIVIDE(10, 4)", 2.5, PAGE + "#safe_divide"),
    one("safe_divide_by_zero", "SELECT SAFE_DIVIDE(1, 0)", None, PAGE + "#safe_divide"),
    one("safe_add_overflow", "SELECT SAFE_ADD(9223372036854775807, 1)", None, PAGE + "#safe_add"),
    one("safe_add", "SELECT SAFE_ADD(5, 4)", 9, PAGE + "#safe_add"),
    one("safe_subtract", "SELECT SAFE_SUBTRACT(5, 7)", -2, PAGE + "#safe_subtract"),
    one("safe_multiply_overflow", "SELECT SAFE_MULTIPLY(4611686018427387904, 2)", None, PAGE + "#safe_multiply"),
    one("safe_negate", "SELECT SAFE_NEGATE(5)", -5, PAGE + "#safe_negate"),
    Case("add_overflow", "SELECT 9223372036854775807 + 1", source=doc("operators") + "#arithmetic_operators",
         expect_error="overflow"),
    one("numeric_exact_sum", "SELECT NUMERIC '1.1' + NUMERIC '2.2'", Decimal("3.3"), doc("data-types") + "#numeric_types"),
    one("float_sum_inexact", "SELECT 1.1 + 2.2", 3.3000000000000003, doc("data-types") + "#floating_point_types"),
    # Rounding family.
    one("round_half_up", "SELECT ROUND(3.5)", 4.0, PAGE + "#round"),
    one("round_half_away_negative", "SELECT ROUND(-3.5)", -4.0, PAGE + "#round"),
    one("round_half_one", "SELECT ROUND(0.5)", 1.0, PAGE + "#round"),
    one("round_down", "SELECT ROUND(2.4)", 2.0, PAGE + "#round"),
    one("round_digits", "SELECT ROUND(123.456, 2)", 123.46, PAGE + "#round"),
    one("round_negative_digits", "SELECT ROUND(123.456, -1)", 120.0, PAGE + "#round"),
    one("round_int_returns_float", "SELECT ROUND(5)", 5.0, PAGE + "#round", types=["FLOAT64"]),
    one("round_numeric_half_away", "SELECT ROUND(NUMERIC '3.45', 1)", Decimal("3.5"), PAGE + "#round"),
    one("round_numeric_half_even", "SELECT ROUND(NUMERIC '4.5', 0, 'ROUND_HALF_EVEN')", Decimal("4"), PAGE + "#round"),
    one("trunc", "SELECT TRUNC(2.7)", 2.0, PAGE + "#trunc"),
    one("trunc_negative", "SELECT TRUNC(-2.7)", -2.0, PAGE + "#trunc"),
    one("trunc_digits", "SELECT TRUNC(123.456, 1)", 123.4, PAGE + "#trunc"),
    one("ceil", "SELECT CEIL(2.1)", 3.0, PAGE + "#ceil"),
    one("ceil_negative", "SELECT CEIL(-2.1)", -2.0, PAGE + "#ceil"),
    one("ceiling_alias", "SELECT CEILING(0.2)", 1.0, PAGE + "#ceiling"),
    one("floor_negative", "SELECT FLOOR(-2.1)", -3.0, PAGE + "#floor"),
    one("abs_int", "SELECT ABS(-5)", 5, PAGE + "#abs"),
    one("abs_numeric", "SELECT ABS(NUMERIC '-1.50')", Decimal("1.50"), PAGE + "#abs"),
    Case("abs_min_int64", "SELECT ABS(-9223372036854775808)", source=PAGE + "#abs", expect_error="overflow"),
    one("sign_int", "SELECT SIGN(-3)", -1, PAGE + "#sign"),
    one("sign_zero", "SELECT SIGN(0)", 0, PAGE + "#sign"),
    one("sign_float", "SELECT SIGN(2.5)", 1.0, PAGE + "#sign"),
    # Powers and logarithms.
    one("sqrt", "SELECT SQRT(16)", 4.0, PAGE + "#sqrt"),
    Case("sqrt_negative", "SELECT SQRT(-1)", source=PAGE + "#sqrt", expect_error=""),
    one("safe_sqrt_negative", "SELECT SAFE.SQRT(-1)", None, doc("functions-reference") + "#safe_prefix"),
    one("pow", "SELECT POW(2, 10)", 1024.0, PAGE + "#pow"),
    one("power_negative_exponent", "SELECT POWER(2, -1)", 0.5, PAGE + "#power"),
    Case("pow_negative_base_fraction", "SELECT POW(-8, 0.5)", source=PAGE + "#pow", expect_error=""),
    one("cbrt", "SELECT CBRT(27)", 3.0, PAGE + "#cbrt", approx=1e-12),
    one("exp_zero", "SELECT EXP(0)", 1.0, PAGE + "#exp"),
    one("ln_one", "SELECT LN(1)", 0.0, PAGE + "#ln"),
    Case("ln_zero", "SELECT LN(0)", source=PAGE + "#ln", expect_error=""),
    one("log_base", "SELECT LOG(100, 10)", 2.0, PAGE + "#log", approx=1e-12),
    one("log_base_two", "SELECT LOG(8, 2)", 3.0, PAGE + "#log", approx=1e-12),
    one("log_natural", "SELECT LOG(EXP(2))", 2.0, PAGE + "#log", approx=1e-12),
    one("log10", "SELECT LOG10(1000)", 3.0, PAGE + "#log10", approx=1e-12),
    one("safe_log_negative", "SELECT SAFE.LOG(-1)", None, doc("functions-reference") + "#safe_prefix"),
    # Comparisons across arguments.
    one("greatest", "SELECT GREATEST(1, 5, 3)", 5, PAGE + "#greatest"),
    one("greatest_null", "SELECT GREATEST(1, NULL)", None, PAGE + "#greatest"),
    one("greatest_nan", "SELECT IS_NAN(GREATEST(1.0, CAST('NaN' AS FLOAT64)))", True, PAGE + "#greatest"),
    one("least_strings", "SELECT LEAST('b', 'a', 'c')", "a", PAGE + "#least"),
    one("is_inf", "SELECT IS_INF(IEEE_DIVIDE(-1, 0))", True, PAGE + "#is_inf"),
    one("is_nan", "SELECT IS_NAN(CAST('NaN' AS FLOAT64))", True, PAGE + "#is_nan"),
    # Trigonometry (pi from ACOS).
    one("acos_pi", "SELECT ACOS(-1)", math.pi, PAGE + "#acos", approx=1e-15),
    one("atan2", "SELECT ATAN2(1, 1)", math.pi / 4, PAGE + "#atan2", approx=1e-15),
    one("cos_zero", "SELECT COS(0)", 1.0, PAGE + "#cos"),
    one("cosh_zero", "SELECT COSH(0)", 1.0, PAGE + "#cosh"),
    # Buckets, distances, randomness.
    one("range_bucket_middle", "SELECT RANGE_BUCKET(20, [0, 10, 20, 30])", 3, PAGE + "#range_bucket"),
    one("range_bucket_between", "SELECT RANGE_BUCKET(25, [0, 10, 20, 30])", 3, PAGE + "#range_bucket"),
    one("range_bucket_below", "SELECT RANGE_BUCKET(-1, [0, 10])", 0, PAGE + "#range_bucket"),
    one("range_bucket_empty", "SELECT RANGE_BUCKET(5, ARRAY<INT64>[])", 0, PAGE + "#range_bucket"),
    one("range_bucket_duplicates", "SELECT RANGE_BUCKET(10, [10, 10, 20])", 2, PAGE + "#range_bucket"),
    one("range_bucket_null_point", "SELECT RANGE_BUCKET(NULL, [0, 10])", None, PAGE + "#range_bucket"),
    Case("range_bucket_unsorted", "SELECT RANGE_BUCKET(5, [10, 0])", source=PAGE + "#range_bucket", expect_error=""),
    one("euclidean_distance", "SELECT EUCLIDEAN_DISTANCE([0.0, 0.0], [3.0, 4.0])", 5.0, PAGE + "#euclidean_distance",
        approx=1e-12),
    one("cosine_distance_orthogonal", "SELECT COSINE_DISTANCE([1.0, 0.0], [0.0, 2.0])", 1.0,
        PAGE + "#cosine_distance", approx=1e-12),
    one("rand_in_unit_interval", "SELECT LOGICAL_AND(r >= 0 AND r < 1) FROM (SELECT RAND() AS r FROM UNNEST(GENERATE_ARRAY(1, 100)))",
        True, PAGE + "#rand"),
]
