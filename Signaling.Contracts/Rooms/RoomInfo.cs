namespace Signaling.Contracts.Rooms;

/// <summary>Settings of a room, chosen when it is created.</summary>
/// <param name="MuteOnEntry">Joiners start with audio and video off.</param>
/// <param name="AllowRecording">Whether members may record (a hint for clients).</param>
/// <param name="MaxDurationMinutes">The room closes this many minutes after creation; <see langword="null"/> for no limit.</param>
public sealed record RoomSettings(bool MuteOnEntry = false, bool AllowRecording = false, int? MaxDurationMinutes = null);

/// <summary>A room's description.</summary>
/// <param name="RoomId">The room's id.</param>
/// <param name="Name">A display name (the id unless the creator named it).</param>
/// <param name="Type">Voice or video.</param>
/// <param name="MaxParticipants">How many active members the room admits at once.</param>
/// <param name="Settings">The room's settings.</param>
/// <param name="CreatedAt">Creation time, unix milliseconds.</param>
/// <param name="CreatedBy">The identity (the peer id) that created the room.</param>
public sealed record RoomInfo(
    string RoomId,
    string Name,
    RoomType Type,
    int MaxParticipants,
    RoomSettings Settings,
    long CreatedAt,
    string CreatedBy);

/// <summary>Whether a member's microphone, camera and screen share are on.</summary>
/// <param name="Audio">Microphone on.</param>
/// <param name="Video">Camera on.</param>
/// <param name="Screen">Screen share on.</param>
public sealed record MediaState(bool Audio = false, bool Video = false, bool Screen = false);

/// <summary>A file a member uploaded to a room.</summary>
/// <param name="FileId">The file's id, for <c>GET /api/files/{fileId}</c>.</param>
/// <param name="FileName">The name the uploader gave (for display only).</param>
/// <param name="ContentType">The media type detected from the content.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="UploadedAt">Upload time, unix milliseconds.</param>
/// <param name="Url">
/// A download link relative to the service, <c>/api/files/{fileId}?exp=…&amp;sig=…</c>, that works
/// without a token (in an <c>&lt;img src&gt;</c>, say) until <c>exp</c> (unix seconds); a fresh one
/// comes with every description of the member. Members may also download
/// <c>/api/files/{fileId}</c> with their token.
/// </param>
public sealed record SharedFile(string FileId, string FileName, string ContentType, long Size, long UploadedAt, string Url);
