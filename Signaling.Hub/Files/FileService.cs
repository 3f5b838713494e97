using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Common;
using Signaling.Hub.Connections;
using Signaling.Hub.Rooms;
using Signaling.Hub.Security;

namespace Signaling.Hub.Files;

/// <summary>Uploads by active members, checked by content, linked to the uploader; downloads by members only.</summary>
public sealed class FileService(
    IMemberStore members,
    IFileRecords records,
    FileStorage storage,
    IOptions<FileOptions> options,
    ISignalingClients hub,
    FileLinks links,
    TimeProvider time)
{
    public async Task<SharedFile> UploadAsync(CallerIdentity caller, string roomId, HttpRequest request, CancellationToken cancellationToken)
    {
        Validate.Id(roomId, "roomId");
        if (!caller.MayEnter(roomId) || await members.GetMemberAsync(roomId, caller.Id, cancellationToken) is not { IsActive: true })
        {
            throw RefusalException.Forbidden($"only active members of room '{roomId}' may upload to it");
        }

        var max = options.Value.MaxBytes;
        // Refuse a declared oversize body before reading a byte of it.
        if (request.ContentLength > max + 64 * 1024)
        {
            throw RefusalException.TooLarge($"uploads are limited to {max} bytes");
        }

        var (fileName, content) = await ReadFirstFileAsync(request, max, cancellationToken);
        var contentType = ContentSniffer.Detect(content)
            ?? throw RefusalException.InvalidArgument("unsupported file type: JPEG, PNG, GIF, WebP, PDF, plain text or DOCX");

        var fileId = "f-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var file = new SharedFile(fileId, fileName, contentType, content.Length, time.NowMs(), FileLinks.PathOf(fileId));
        await storage.WriteAsync(roomId, fileId, content, cancellationToken);
        var member = await records.AddFileAsync(roomId, caller.Id, file, cancellationToken);
        if (member is null)
        {
            storage.Delete(roomId, fileId);
            throw new RefusalException(ErrorCodes.NotInRoom, $"not an active member of room '{roomId}'");
        }

        await hub.Clients.Group(GroupNames.Room(roomId)).PeerUpdated(member.ToPeerInfo(links));
        return links.Link(file);
    }

    /// <summary>Null when no such file exists.</summary>
    public async Task<(StoredFile File, string Path)?> OpenAsync(CallerIdentity caller, string fileId)
    {
        Validate.Id(fileId, "fileId");
        if (await records.GetFileAsync(fileId) is not { } stored)
        {
            return null;
        }

        // Members who left keep access to what was shared while they were there.
        if (!caller.MayEnter(stored.RoomId) || await members.GetMemberAsync(stored.RoomId, caller.Id) is null)
        {
            throw RefusalException.Forbidden("only members of the file's room may download it");
        }

        return (stored, storage.PathOf(stored.RoomId, fileId));
    }

    /// <summary>By a download link instead of a token: the link is the permission. Null when no such file exists.</summary>
    public async Task<(StoredFile File, string Path)?> OpenLinkedAsync(string fileId, long? expiry, string? signature)
    {
        Validate.Id(fileId, "fileId");
        links.Check(fileId, expiry, signature);
        return await records.GetFileAsync(fileId) is { } stored ? (stored, storage.PathOf(stored.RoomId, fileId)) : null;
    }

    private static async Task<(string FileName, ReadOnlyMemory<byte> Content)> ReadFirstFileAsync(HttpRequest request, long max, CancellationToken cancellationToken)
    {
        var boundary = request.ContentType is { } type && MediaTypeHeaderValue.TryParse(type, out var media)
            ? HeaderUtilities.RemoveQuotes(media.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary))
        {
            throw RefusalException.InvalidArgument("send the file as multipart/form-data");
        }

        try
        {
            return await ReadFirstFilePartAsync(new MultipartReader(boundary, request.Body), max, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException || (ex is IOException && ex is not BadHttpRequestException))
        {
            // MultipartReader throws these for a malformed form, which is the sender's fault, not a 500.
            // Kestrel's own body errors (BadHttpRequestException is an IOException too) keep their status.
            throw RefusalException.InvalidArgument("the form could not be read: a part's headers are over 16 KB, or the body ends before its closing boundary");
        }
    }

    private static async Task<(string FileName, ReadOnlyMemory<byte> Content)> ReadFirstFilePartAsync(MultipartReader reader, long max, CancellationToken cancellationToken)
    {
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
            {
                continue;
            }

            // Buffered in memory up to the limit: a refused upload never touches the disk.
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await section.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    throw RefusalException.TooLarge($"uploads are limited to {max} bytes");
                }

                buffer.Write(chunk, 0, read);
            }

            return (CleanName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value), buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }

        throw RefusalException.InvalidArgument("the form has no file part");
    }

    /// <summary>The uploader's name is kept for display only: last path segment, no control characters, bounded.</summary>
    private static string CleanName(string? name)
    {
        var last = (name ?? "").Replace('\\', '/').Split('/').LastOrDefault() ?? "";
        var clean = new string(last.Where(c => !char.IsControl(c) && c != '"').ToArray()).Trim();
        clean = clean.Length > 200 ? clean[..200] : clean;
        return clean is "" or "." or ".." ? "file" : clean;
    }
}
