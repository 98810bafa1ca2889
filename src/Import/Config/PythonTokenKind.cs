namespace Detserve.Import.Config;

/// <summary>Token kinds of the small Python subset read by <see cref="PythonTokenizer"/>.</summary>
internal enum PythonTokenKind
{
    /// <summary>An int literal; <see cref="PythonToken.Value"/> is a <see cref="System.Numerics.BigInteger"/>.</summary>
    Int,

    /// <summary>A float literal; <see cref="PythonToken.Value"/> is a <see cref="double"/>.</summary>
    Float,

    /// <summary>An imaginary literal such as <c>2j</c> (Python complex); no value kept.</summary>
    Imaginary,

    /// <summary>A str literal after escape processing; <see cref="PythonToken.Value"/> is the <see cref="string"/>.</summary>
    String,

    /// <summary>A bytes literal (<c>b'..'</c>); no value kept.</summary>
    Bytes,

    /// <summary>An f-string, which <c>ast.literal_eval</c> rejects.</summary>
    FString,

    /// <summary>An identifier or keyword (<c>True</c>, <c>for</c>, <c>range</c>, a variable).</summary>
    Name,

    /// <summary>An operator or bracket: <c>( ) [ ] { } , : + - * / ** .</c> and any other punctuation.</summary>
    Op,

    /// <summary>End of input.</summary>
    End,
}
