using System.Globalization;

namespace PgWire.Iceberg;

/// <summary>The summary of a new snapshot: its operation and the counters the spec defines, plus properties of the writer.</summary>
internal static class SnapshotSummary
{
    /// <param name="parent">The snapshot the new one follows; its totals are carried on.</param>
    /// <param name="added">Data files added.</param>
    /// <param name="deletes">Delete files added (position or equality).</param>
    /// <param name="removedAll">Whether every file of the parent was removed (the totals start again from zero).</param>
    /// <param name="removed">The data and delete files removed.</param>
    /// <param name="extra">Properties of the writer (an "operation" among them is ignored).</param>
    public static Dictionary<string, string> Build(Snapshot? parent, IReadOnlyList<DataFile> added, IReadOnlyList<DataFile> deletes, bool removedAll, IReadOnlyList<DataFile> removed, IReadOnlyDictionary<string, string>? extra)
    {
        long Total(string key) => !removedAll && parent is not null && parent.Summary.TryGetValue(key, out var v)
            && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        static string S(long v) => v.ToString(CultureInfo.InvariantCulture);

        var removedData = removed.Where(f => f.Content == FileContent.Data).ToList();
        var removedPosition = removed.Where(f => f.Content == FileContent.PositionDeletes).ToList();
        var removedEquality = removed.Where(f => f.Content == FileContent.EqualityDeletes).ToList();
        var addedPosition = deletes.Where(f => f.Content == FileContent.PositionDeletes).ToList();
        var addedEquality = deletes.Where(f => f.Content == FileContent.EqualityDeletes).ToList();

        // Only adding data is an append, only removing rows (or files) a delete, both an overwrite.
        var removes = deletes.Count > 0 || removed.Count > 0;
        var operation = !removes ? "append" : added.Count == 0 ? "delete" : "overwrite";
        var summary = new Dictionary<string, string>(StringComparer.Ordinal) { ["operation"] = operation };
        if (extra is not null)
        {
            foreach (var (k, v) in extra)
            {
                if (k != "operation")
                {
                    summary[k] = v;
                }
            }
        }

        void Put(string key, long value)
        {
            if (value != 0)
            {
                summary[key] = S(value);
            }
        }

        var addedSize = added.Sum(f => f.FileSizeInBytes) + deletes.Sum(f => f.FileSizeInBytes);
        var removedSize = removed.Sum(f => f.FileSizeInBytes);
        Put("added-data-files", added.Count);
        Put("added-records", added.Sum(f => f.RecordCount));
        Put("added-delete-files", deletes.Count);
        Put("added-position-delete-files", addedPosition.Count);
        Put("added-position-deletes", addedPosition.Sum(f => f.RecordCount));
        Put("added-equality-delete-files", addedEquality.Count);
        Put("added-equality-deletes", addedEquality.Sum(f => f.RecordCount));
        Put("deleted-data-files", removedData.Count);
        Put("deleted-records", removedData.Sum(f => f.RecordCount));
        Put("removed-delete-files", removedPosition.Count + removedEquality.Count);
        Put("removed-position-delete-files", removedPosition.Count);
        Put("removed-position-deletes", removedPosition.Sum(f => f.RecordCount));
        Put("removed-equality-delete-files", removedEquality.Count);
        Put("removed-equality-deletes", removedEquality.Sum(f => f.RecordCount));
        Put("removed-files-size", removedSize);
        summary["added-files-size"] = S(addedSize);
        summary["changed-partition-count"] = added.Count + deletes.Count + removed.Count == 0 ? "0" : "1";
        summary["total-records"] = S(Total("total-records") + added.Sum(f => f.RecordCount));
        summary["total-files-size"] = S(Total("total-files-size") + addedSize);
        summary["total-data-files"] = S(Total("total-data-files") + added.Count);
        summary["total-delete-files"] = S(Total("total-delete-files") + deletes.Count);
        summary["total-position-deletes"] = S(Total("total-position-deletes") + addedPosition.Sum(f => f.RecordCount));
        summary["total-equality-deletes"] = S(Total("total-equality-deletes") + addedEquality.Sum(f => f.RecordCount));
        return summary;
    }
}
