"""Roles, which organisations they belong to, and what they may do."""

SCHOOL_USER = "school_user"
SCHOOL_GRADUATION_MANAGER = "school_graduation_manager"
BUREAU_REVIEWER = "bureau_reviewer"
PROVINCE_REVIEWER = "province_reviewer"
PROVINCE_ADMIN = "province_admin"
ORG_ADMIN = "org_admin"  # a bureau's or school's own administrator: accounts within its subtree

ROLE_KINDS = {
    SCHOOL_USER: {"school"},
    SCHOOL_GRADUATION_MANAGER: {"school"},
    BUREAU_REVIEWER: {"city", "county"},
    PROVINCE_REVIEWER: {"province"},
    PROVINCE_ADMIN: {"province"},
    ORG_ADMIN: {"city", "county", "school"},
}

ROLE_NAMES = {
    SCHOOL_USER: "学校用户",
    SCHOOL_GRADUATION_MANAGER: "毕业管理员",
    BUREAU_REVIEWER: "教育局审核员",
    PROVINCE_REVIEWER: "省级审核员",
    PROVINCE_ADMIN: "省级管理员",
    ORG_ADMIN: "单位管理员",
}

# Lists show ID numbers masked to everyone; these roles may ask for one whole number (audited).
ID_REVEAL_ROLES = {SCHOOL_GRADUATION_MANAGER, BUREAU_REVIEWER, PROVINCE_REVIEWER, PROVINCE_ADMIN}
# Roles that correct issued certificates (reissue with a new number, or void).
CERTIFICATE_CORRECTION_ROLES = {PROVINCE_ADMIN, PROVINCE_REVIEWER}
# Who finds graduates across their subtree (查找毕业生), and who follows the season's dashboard.
SEARCH_ROLES = (BUREAU_REVIEWER, PROVINCE_REVIEWER, ORG_ADMIN, PROVINCE_ADMIN, SCHOOL_GRADUATION_MANAGER)
SEASON_ROLES = (BUREAU_REVIEWER, PROVINCE_REVIEWER, ORG_ADMIN, PROVINCE_ADMIN)
