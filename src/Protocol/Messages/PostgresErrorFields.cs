using PgWire.Protocol.Framing;

namespace PgWire.Protocol.Messages;

/// <summary>
/// The fields of an ErrorResponse or NoticeResponse ("Error and Notice Message Fields" in the
/// PostgreSQL docs). Unknown field codes are kept in <see cref="Other"/> rather than dropped.
/// </summary>
public sealed record PostgresErrorFields
{
    /// <summary>S: localized severity (ERROR, FATAL, PANIC, WARNING, NOTICE, DEBUG, INFO, LOG).</summary>
    public string Severity { get; init; } = "";
    /// <summary>V: severity never localized (9.6+).</summary>
    public string? SeverityNonLocalized { get; init; }
    /// <summary>C: SQLSTATE code.</summary>
    public string SqlState { get; init; } = "";
    /// <summary>M: primary human-readable message.</summary>
    public string Message { get; init; } = "";
    /// <summary>D: detail.</summary>
    public string? Detail { get; init; }
    /// <summary>H: hint.</summary>
    public string? Hint { get; init; }
    /// <summary>P: 1-based character position in the original query string.</summary>
    public int? Position { get; init; }
    /// <summary>p: position in an internally generated query.</summary>
    public int? InternalPosition { get; init; }
    /// <summary>q: the internally generated query.</summary>
    public string? InternalQuery { get; init; }
    /// <summary>W: context (call stack).</summary>
    public string? Where { get; init; }
    /// <summary>s: schema name.</summary>
    public string? SchemaName { get; init; }
    /// <summary>t: table name.</summary>
    public string? TableName { get; init; }
    /// <summary>c: column name.</summary>
    public string? ColumnName { get; init; }
    /// <summary>d: data type name.</summary>
    public string? DataTypeName { get; init; }
    /// <summary>n: constraint name.</summary>
    public string? ConstraintName { get; init; }
    /// <summary>F: source file.</summary>
    public string? File { get; init; }
    /// <summary>L: source line.</summary>
    public string? Line { get; init; }
    /// <summary>R: source routine.</summary>
    public string? Routine { get; init; }
    /// <summary>Fields with codes not listed above, by code.</summary>
    public IReadOnlyDictionary<char, string> Other { get; init; } = EmptyOther;

    private static readonly IReadOnlyDictionary<char, string> EmptyOther = new Dictionary<char, string>();

    public static PostgresErrorFields Parse(ReadOnlySpan<byte> payload, string context, bool byteText = false)
    {
        var reader = new PayloadReader(payload, context, byteText);
        var result = new PostgresErrorFields();
        Dictionary<char, string>? other = null;
        while (true)
        {
            var code = reader.ReadByte();
            if (code == 0)
            {
                break;
            }

            var value = reader.ReadCString();
            switch ((char)code)
            {
                case 'S': result = result with { Severity = value }; break;
                case 'V': result = result with { SeverityNonLocalized = value }; break;
                case 'C': result = result with { SqlState = value }; break;
                case 'M': result = result with { Message = value }; break;
                case 'D': result = result with { Detail = value }; break;
                case 'H': result = result with { Hint = value }; break;
                case 'P': result = result with { Position = ParsePosition(value, context) }; break;
                case 'p': result = result with { InternalPosition = ParsePosition(value, context) }; break;
                case 'q': result = result with { InternalQuery = value }; break;
                case 'W': result = result with { Where = value }; break;
                case 's': result = result with { SchemaName = value }; break;
                case 't': result = result with { TableName = value }; break;
                case 'c': result = result with { ColumnName = value }; break;
                case 'd': result = result with { DataTypeName = value }; break;
                case 'n': result = result with { ConstraintName = value }; break;
                case 'F': result = result with { File = value }; break;
                case 'L': result = result with { Line = value }; break;
                case 'R': result = result with { Routine = value }; break;
                default:
                    other ??= new Dictionary<char, string>();
                    other[(char)code] = value;
                    break;
            }
        }

        reader.EnsureEnd();
        return other is null ? result : result with { Other = other };
    }

    private static int ParsePosition(string value, string context)
    {
        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var position))
        {
            throw new PgProtocolException(ProtocolErrorKind.InvalidValue, $"invalid position \"{value}\" in {context}");
        }

        return position;
    }
}

/// <summary>An error reported by the server in an ErrorResponse, with every field it sent.</summary>
public sealed class PostgresException : Exception
{
    public PostgresException(PostgresErrorFields fields)
        : base($"{fields.Severity}: {fields.Message}")
    {
        Fields = fields;
    }

    public PostgresErrorFields Fields { get; }
    public string SqlState => Fields.SqlState;
    public string Severity => Fields.Severity;
    public string MessageText => Fields.Message;

    /// <summary>FATAL and PANIC errors end the session.</summary>
    public bool IsFatal => (Fields.SeverityNonLocalized ?? Fields.Severity) is "FATAL" or "PANIC";
}
