using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace PgWire.Iceberg;

/// <summary>
/// Files in S3 or an S3-compatible store (MinIO, s3rver, ...): s3://bucket/key locations (s3a://
/// and s3n:// too); other locations are local files (<see cref="LocalFileIO"/>).
/// </summary>
/// <remarks>
/// A file is written when its stream is closed: one PutObject, or a multipart upload in parts of
/// <see cref="PartSize"/> once it grows past one part. Create-new semantics are best-effort: the
/// file must not exist when created, and the upload asks the store to refuse an existing key
/// (If-None-Match: *), which AWS S3 and recent MinIO honour; a store that ignores the header
/// (s3rver, older ones) leaves a window between the check and the upload in which a second writer
/// of the same key wins silently. Table commits do not depend on it: the catalog's
/// compare-and-swap decides which metadata file is current, and data and manifest file names
/// carry a fresh UUID. Reads fetch the whole object (data files are read whole anyway).
/// </remarks>
public sealed class S3FileIO : IFileIO, IDisposable
{
    /// <summary>The size of a multipart upload's parts (S3 wants at least 5 MiB for all but the last).</summary>
    public const int PartSize = 16 << 20;

    private readonly AmazonS3Client _client;
    private readonly LocalFileIO _local = new();

    public S3FileIO(S3Settings settings)
        : this(settings, null)
    {
    }

    /// <param name="configure">Changes the client's configuration last (tests watch its requests).</param>
    internal S3FileIO(S3Settings settings, Action<AmazonS3Config>? configure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.PathStyle ?? settings.Endpoint is not null,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        var region = settings.Region ?? "us-east-1";
        if (settings.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        configure?.Invoke(config);
        if ((settings.AccessKey is null) != (settings.SecretKey is null))
        {
            throw new IcebergConfigException("S3_ACCESS_KEY and S3_SECRET_KEY go together: give both, or neither for the SDK's default credentials");
        }

        _client = settings.AccessKey is { } key
            ? new AmazonS3Client(new BasicAWSCredentials(key, settings.SecretKey), config)
            : new AmazonS3Client(config);
    }

    public static bool IsS3Location(string location) =>
        location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("s3a://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("s3n://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The bucket and key of an s3:// location.</summary>
    public static (string Bucket, string Key) Split(string location)
    {
        var rest = location[(location.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
        {
            throw new IOException($"{location}: not an s3://bucket/key location");
        }

        return (rest[..slash], rest[(slash + 1)..]);
    }

    public Stream OpenRead(string location)
    {
        if (!IsS3Location(location))
        {
            return _local.OpenRead(location);
        }

        var (bucket, key) = Split(location);
        return Run(location, async () =>
        {
            using var response = await _client.GetObjectAsync(bucket, key).ConfigureAwait(false);
            Stream copy = response.ContentLength > 64 << 20
                ? new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose)
                : new MemoryStream(checked((int)Math.Max(response.ContentLength, 0)));
            await response.ResponseStream.CopyToAsync(copy).ConfigureAwait(false);
            copy.Position = 0;
            return copy;
        });
    }

    public Stream Create(string location)
    {
        if (!IsS3Location(location))
        {
            return _local.Create(location);
        }

        var (bucket, key) = Split(location);
        if (Exists(location))
        {
            throw new IOException($"{location} exists");
        }

        return new UploadStream(this, location, bucket, key);
    }

    public bool Exists(string location)
    {
        if (!IsS3Location(location))
        {
            return _local.Exists(location);
        }

        var (bucket, key) = Split(location);
        return Run(location, async () =>
        {
            try
            {
                await _client.GetObjectMetadataAsync(bucket, key).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
        });
    }

    public void Delete(string location)
    {
        if (!IsS3Location(location))
        {
            _local.Delete(location);
            return;
        }

        var (bucket, key) = Split(location);
        Run(location, async () => await _client.DeleteObjectAsync(bucket, key).ConfigureAwait(false));
    }

    /// <summary>ListObjectsV2 of the keys under the prefix's folder, page by page.</summary>
    public IEnumerable<FileEntry> List(string prefix)
    {
        if (!IsS3Location(prefix))
        {
            foreach (var entry in _local.List(prefix))
            {
                yield return entry;
            }

            yield break;
        }

        prefix = prefix.TrimEnd('/');
        var (bucket, key) = Split(prefix + "/");
        // Split wants a key; the folder's key is everything after the bucket.
        var scheme = prefix[..(prefix.IndexOf("://", StringComparison.Ordinal) + 3)];
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = key };
        while (true)
        {
            var response = Run(prefix, () => _client.ListObjectsV2Async(request));
            foreach (var o in response.S3Objects ?? [])
            {
                yield return new FileEntry($"{scheme}{bucket}/{o.Key}", o.Size ?? 0, o.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue);
            }

            if (response.IsTruncated != true || response.NextContinuationToken is null)
            {
                yield break;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Runs an S3 call to its end; S3 errors become IOException (FileNotFoundException for a missing object) naming the location.</summary>
    private static T Run<T>(string location, Func<Task<T>> call) => RunAsync(location, call).GetAwaiter().GetResult();

    private static async Task<T> RunAsync<T>(string location, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"{location}: not found ({e.ErrorCode ?? e.Message})", location, e);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new IOException($"{location} exists", e);
        }
        catch (AmazonServiceException e)
        {
            throw new IOException($"{location}: S3 {(int)e.StatusCode} {e.ErrorCode}: {e.Message}", e);
        }
        catch (AmazonClientException e)
        {
            throw new IOException($"{location}: {e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new IOException($"{location}: {e.Message}", e);
        }
    }

    /// <summary>Collects what is written; parts of <see cref="PartSize"/> go up as they fill, the rest on close.</summary>
    private sealed class UploadStream(S3FileIO io, string location, string bucket, string key) : Stream
    {
        private MemoryStream _buffer = new();
        private string? _uploadId;
        private readonly List<PartETag> _parts = [];
        private long _length;
        private bool _closed;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !_closed;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            while (buffer.Length > 0)
            {
                var n = (int)Math.Min(buffer.Length, PartSize - _buffer.Length);
                _buffer.Write(buffer[..n]);
                _length += n;
                buffer = buffer[n..];
                if (_buffer.Length == PartSize)
                {
                    RunAsync(location, async () => await UploadPartAsync(CancellationToken.None).ConfigureAwait(false)).GetAwaiter().GetResult();
                }
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            while (buffer.Length > 0)
            {
                var n = (int)Math.Min(buffer.Length, PartSize - _buffer.Length);
                _buffer.Write(buffer.Span[..n]);
                _length += n;
                buffer = buffer[n..];
                if (_buffer.Length == PartSize)
                {
                    await RunAsync(location, async () => await UploadPartAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                }
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private async Task<bool> UploadPartAsync(CancellationToken ct)
        {
            if (_uploadId is null)
            {
                var started = await io._client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }, ct).ConfigureAwait(false);
                _uploadId = started.UploadId;
            }

            _buffer.Position = 0;
            var number = _parts.Count + 1;
            var response = await io._client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = _uploadId,
                PartNumber = number,
                PartSize = _buffer.Length,
                InputStream = _buffer,
                UseChunkEncoding = false,
            }, ct).ConfigureAwait(false);
            _parts.Add(new PartETag(number, response.ETag));
            _buffer = new MemoryStream();
            return true;
        }

        private async Task<bool> FinishAsync()
        {
            if (_uploadId is null)
            {
                _buffer.Position = 0;
                await io._client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = bucket,
                    Key = key,
                    InputStream = _buffer,
                    AutoCloseStream = false,
                    UseChunkEncoding = false,
                    IfNoneMatch = "*",
                }).ConfigureAwait(false);
                return true;
            }

            try
            {
                if (_buffer.Length > 0)
                {
                    await UploadPartAsync(CancellationToken.None).ConfigureAwait(false);
                }

                await io._client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = bucket,
                    Key = key,
                    UploadId = _uploadId,
                    PartETags = _parts,
                    IfNoneMatch = "*",
                }).ConfigureAwait(false);
                return true;
            }
            catch
            {
                try
                {
                    await io._client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = _uploadId }).ConfigureAwait(false);
                }
                catch (AmazonServiceException)
                {
                    // The upload's parts expire with the bucket's lifecycle rules; the write fails either way.
                }

                throw;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed)
            {
                _closed = true;
                RunAsync(location, FinishAsync).GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_closed)
            {
                _closed = true;
                await RunAsync(location, FinishAsync).ConfigureAwait(false);
            }

            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
