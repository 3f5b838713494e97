using Signaling.Contracts.Rooms;
using Signaling.Hub.Rooms;

namespace Signaling.Hub.Files;

/// <summary>Which uploads exist and whose they are; the bytes are in <see cref="FileStorage"/>.</summary>
public interface IFileRecords
{
    /// <summary>Links an uploaded file to an active member; null when the member is not active.</summary>
    Task<MemberRecord?> AddFileAsync(string roomId, string peerId, SharedFile file, CancellationToken cancellationToken = default);

    Task<StoredFile?> GetFileAsync(string fileId, CancellationToken cancellationToken = default);
}

/// <summary>A file's description with the room and member it belongs to.</summary>
public sealed record StoredFile(SharedFile File, string RoomId, string UploadedBy);
