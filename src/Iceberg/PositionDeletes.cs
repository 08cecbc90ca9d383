using System.Text;

namespace PgWire.Iceberg;

/// <summary>The row at 0-based <paramref name="Position"/> of the data file at <paramref name="FilePath"/>.</summary>
public sealed record PositionDelete(string FilePath, long Position);

/// <summary>
/// Writes position delete files: the spec's schema (file_path, field id 2147483546, and pos,
/// 2147483545), rows sorted by file path then position, and bounds on both columns. The file
/// path bounds are kept whole (not cut like other strings) so a reader can tell which data files
/// a delete file may refer to.
/// </summary>
internal static class PositionDeleteWriter
{
    public static readonly IcebergSchema Schema = new(
        0,
        [
            new NestedField(TableScan.DeleteFilePathId, "file_path", true, PrimitiveType.String),
            new NestedField(TableScan.DeletePosId, "pos", true, PrimitiveType.Long),
        ]);

    /// <summary>Paths in the order of their UTF-8 bytes, the order of the bounds.</summary>
    private static readonly Comparer<string> Utf8Order = Comparer<string>.Create(DataFileWriter.CompareUtf8);

    public static async Task<DataFile> WriteAsync(IFileIO io, string location, IReadOnlyList<PositionDelete> deletes, CancellationToken ct)
    {
        var sorted = deletes
            .Select(d => d.Position >= 0 ? d : throw new ArgumentException($"{d.FilePath}: position {d.Position} is negative", nameof(deletes)))
            .Distinct()
            .OrderBy(d => d.FilePath, Utf8Order)
            .ThenBy(d => d.Position)
            .ToList();
        var rows = sorted.Select(d => new object?[] { d.FilePath, d.Position }).ToList();
        var file = await DataFileWriter.WriteAsync(io, location, Schema, rows, ct);
        var lowest = Encoding.UTF8.GetBytes(sorted[0].FilePath);
        var highest = Encoding.UTF8.GetBytes(sorted[^1].FilePath);
        return file with
        {
            Content = FileContent.PositionDeletes,
            LowerBounds = new Dictionary<int, byte[]>(file.LowerBounds) { [TableScan.DeleteFilePathId] = lowest },
            UpperBounds = new Dictionary<int, byte[]>(file.UpperBounds) { [TableScan.DeleteFilePathId] = highest },
        };
    }
}
