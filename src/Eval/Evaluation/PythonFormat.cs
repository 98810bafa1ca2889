using System.Globalization;
using System.Numerics;
using System.Text;

namespace Detserve.Eval.Evaluation;

/// <summary>
/// Python's <c>format(x, '.Nf')</c>: the exact binary value rounded half-to-even to N decimals ("nan", "inf" and a
/// kept minus sign as Python prints them). .NET's "F3" rounds midpoints away from zero, which differs for values such
/// as 0.5625; the summary text must match pycocotools' character for character.
/// </summary>
internal static class PythonFormat
{
    public static string Fixed(double value, int decimals)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int exponentBits = (int)((bits >> 52) & 0x7ff);
        long fraction = bits & 0xfffffffffffffL;
        BigInteger mantissa = exponentBits == 0 ? fraction : fraction | (1L << 52);
        int exponent = (exponentBits == 0 ? 1 : exponentBits) - 1075;

        // value = mantissa * 2^exponent; we want round(value * 10^decimals) half to even.
        BigInteger scaled = mantissa * BigInteger.Pow(10, decimals);
        BigInteger rounded;
        if (exponent >= 0)
        {
            rounded = scaled << exponent;
        }
        else
        {
            int shift = -exponent;
            BigInteger quotient = scaled >> shift;
            BigInteger remainder = scaled - (quotient << shift);
            BigInteger half = BigInteger.One << (shift - 1);
            int compare = remainder.CompareTo(half);
            rounded = compare > 0 || (compare == 0 && !quotient.IsEven) ? quotient + 1 : quotient;
        }

        string digits = rounded.ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        var text = new StringBuilder();
        if (negative)
        {
            text.Append('-');
        }

        text.Append(digits, 0, digits.Length - decimals);
        if (decimals > 0)
        {
            text.Append('.').Append(digits, digits.Length - decimals, decimals);
        }

        return text.ToString();
    }
}
